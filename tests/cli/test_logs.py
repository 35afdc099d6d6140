from __future__ import annotations

import json
import uuid
from pathlib import Path

from meltano.core.blocks.history import RunHistory
from meltano.core.blocks.run_log import log_path, sanitize
from meltano.core.db.connect import open_url
from meltano.core.errors import ExitCode
from tests.services.servers import postgres_schema_uri, postgres_uri  # noqa: F401 - fixtures


def add_run(
    project_dir: Path,
    state_id: str,
    *,
    error: str | None = None,
    trigger: str = "cli",
    log: str | None = "line one\nline two\nline three\n",
    summary: dict | None = None,
    run_id: str | None = None,
    uri: str | None = None,
) -> str:
    history = RunHistory(open_url(uri or f"sqlite:///{project_dir / '.meltano' / 'meltano.db'}"))
    run_id = run_id or str(uuid.uuid4())
    row = history.start(state_id, run_id, trigger=trigger)
    history.finish(row, error=error, summary=summary)
    if log is not None:
        path = log_path(project_dir / ".meltano", state_id, run_id)
        path.parent.mkdir(parents=True)
        path.write_text(log)
    return run_id


def test_sanitize() -> None:
    assert sanitize("dev:tap-x-to-target-y") == "devtap-x-to-target-y"
    assert sanitize("a/b c:é") == "a_b_ce"


def test_list_json_and_text(invoke, project_dir: Path) -> None:
    first = add_run(project_dir, "dev:a-to-b")
    second = add_run(project_dir, "dev:c-to-d", error="Extractor failed", trigger="airflow")
    result = invoke("logs", "list", "--format", "json")
    document = json.loads(result.stdout)
    assert document["total"] == 2
    assert [run["log_id"] for run in document["runs"]] == [second, first]
    assert document["runs"][0]["trigger"] == "airflow"
    assert document["runs"][0]["state"] == "FAIL"
    assert set(document["runs"][0]) == {
        "log_id",
        "job_name",
        "state",
        "started_at",
        "ended_at",
        "duration_seconds",
        "trigger",
        "summary",
    }
    assert document["runs"][0]["summary"] is None
    text = invoke("logs", "list").stdout
    assert "Recent job runs (showing 2 of last 10)" in text
    assert "✗ FAIL" in text
    assert "meltano logs show <LOG_ID>" in text


def test_list_empty(invoke) -> None:
    assert invoke("logs", "list").stdout == "No job runs found.\n"


def test_show_and_tail(invoke, project_dir: Path) -> None:
    run_id = add_run(project_dir, "dev:a-to-b")
    text = invoke("logs", "show", run_id).stdout
    assert text.startswith(f"Job: dev:a-to-b\nRun ID: {run_id}\nState: SUCCESS\n")
    assert "Log content:\n------------\nline one\nline two\nline three\n" in text
    tail = invoke("logs", "show", run_id, "--tail", "1", "--format", "json").stdout
    info, _, rest = tail.partition("\n}\n")
    assert json.loads(info + "\n}")["job_name"] == "dev:a-to-b"
    assert rest.endswith(f"Last 1 lines:\n{'-' * 40}\nline three\n")


def test_show_unknown_and_missing_file(invoke, project_dir: Path) -> None:
    unknown = invoke("logs", "show", "not-a-uuid")
    assert unknown.exit_code == ExitCode.FAILED
    assert "No job found with log ID 'not-a-uuid'" in unknown.stderr
    run_id = add_run(project_dir, "dev:a-to-b", log=None)
    missing = invoke("logs", "show", run_id)
    assert missing.exit_code == ExitCode.FAILED
    assert "Log file not found" in missing.stderr


def test_dir(invoke, project_dir: Path) -> None:
    assert invoke("logs", "dir").stdout.strip() == str(project_dir / ".meltano" / "logs")


def test_state_edits_leave_state_edit_rows_hidden_from_logs(invoke, project_dir: Path) -> None:
    import sqlite3

    assert (
        invoke("state", "set", "dev:a-to-b", '{"singer_state": {"x": 1}}', "--force").exit_code == 0
    )
    assert invoke("state", "merge", "dev:a-to-b", '{"singer_state": {"y": 2}}').exit_code == 0
    with sqlite3.connect(project_dir / ".meltano" / "meltano.db") as db:
        rows = db.execute("SELECT state, payload_flags, payload FROM runs ORDER BY id").fetchall()
    assert [(state, flags) for state, flags, _ in rows] == [("STATE_EDIT", 1), ("STATE_EDIT", 2)]
    assert json.loads(rows[1][2]) == {"singer_state": {"x": 1, "y": 2}}
    assert invoke("logs", "list").stdout == "No job runs found.\n"


SUMMARY = {
    "name": "tap-a target-b",
    "kind": "extract_load",
    "status": "success",
    "duration_seconds": 1.5,
    "run_id": None,
    "streams": [{"stream": "users", "extracted": 1500, "loaded": 1500}],
    "plugins": [
        {"name": "tap-a", "plugin_type": "extractor", "exit_code": 0, "failed": False,
         "stderr_tail": []},
        {"name": "target-b", "plugin_type": "loader", "exit_code": 0, "failed": False,
         "stderr_tail": []},
    ],
    "state": {"state_id": "dev:a-to-b", "saved": True, "messages": 3, "reason": None},
    "error": None,
}  # fmt: skip


def test_the_stored_summary_in_show_and_list(invoke, project_dir: Path) -> None:
    run_id = add_run(project_dir, "dev:a-to-b", summary=SUMMARY)
    text = invoke("logs", "show", run_id)
    assert text.exit_code == 0, text.output
    assert (
        "\nSummary:\n✓ tap-a → target-b: success in 1.50s\n"
        "    stream     extracted        loaded\n"
        "    users          1,500         1,500\n"
        "    state: saved for dev:a-to-b, 3 STATE messages\n"
        "    exit codes: tap-a 0, target-b 0\n"
    ) in text.stdout
    assert text.stdout.index("Summary:") < text.stdout.index("line one")
    shown, _ = json.JSONDecoder().raw_decode(
        invoke("logs", "show", run_id, "--format", "json").stdout
    )
    assert shown["summary"] == SUMMARY
    listed = json.loads(invoke("logs", "list", "--format", "json").stdout)
    assert listed["runs"][0]["summary"] == SUMMARY


def test_a_run_record_without_summary_shows_none(invoke, project_dir: Path) -> None:
    run_id = add_run(project_dir, "dev:a-to-b")
    assert "Summary:" not in invoke("logs", "show", run_id).stdout


# Run IDs are UUIDv7: runs started within a minute share their first 8 hex characters.
NEAR = ("01a2350c-5248-7e0b-8268-b8ae700fcec9", "01a2350c-5248-7e0b-9999-000000000001")
FAR = "7f000000-0000-7000-8000-000000000000"


def test_list_prints_whole_ids_at_any_width_off_a_terminal(invoke, project_dir: Path) -> None:
    for run_id in (*NEAR, FAR):
        add_run(project_dir, "dev:tap-with-a-long-name-to-target-with-a-long-name", run_id=run_id)
    for columns in ("30", "80", "200"):
        text = invoke("logs", "list", env={"COLUMNS": columns}).stdout
        for run_id in (*NEAR, FAR):
            assert run_id in text, (columns, text)
        assert "…" not in text
        assert "dev:tap-with-a-long-name-to-target-with-a-long-name" in text


def test_show_accepts_unique_prefixes_and_lists_candidates_of_ambiguous_ones(
    invoke, project_dir: Path
) -> None:
    for run_id in (*NEAR, FAR):
        add_run(project_dir, "dev:a-to-b", run_id=run_id, log=f"log of {run_id}\n")
    for prefix in ("7f", "7F00", "01a2350c-5248-7e0b-82", "01a2350c52487e0b82"):
        shown = invoke("logs", "show", prefix)
        assert shown.exit_code == 0, (prefix, shown.stderr)
        expected = FAR if prefix.lower().startswith("7f") else NEAR[0]
        assert f"Run ID: {expected}\n" in shown.stdout
        assert f"log of {expected}\n" in shown.stdout
    ambiguous = invoke("logs", "show", "01a2350c")
    assert ambiguous.exit_code == ExitCode.FAILED
    assert "Log ID prefix '01a2350c' matches 2 runs" in ambiguous.stderr
    assert NEAR[0] in ambiguous.stderr and NEAR[1] in ambiguous.stderr
    assert FAR not in ambiguous.stderr
    for unknown in ("02", "xyz", "-", "01a2350c-5248-7e0b-8268-b8ae700fcec9-0"):
        result = invoke("logs", "show", unknown)
        assert result.exit_code == ExitCode.FAILED
        assert f"No job found with log ID '{unknown}'" in result.stderr


def test_state_edit_rows_are_not_prefix_candidates(invoke, project_dir: Path) -> None:
    import sqlite3

    assert invoke("state", "set", "dev:a-to-b", '{"singer_state": {}}', "--force").exit_code == 0
    with sqlite3.connect(project_dir / ".meltano" / "meltano.db") as db:
        (edit_id,) = db.execute("SELECT run_id FROM runs WHERE state = 'STATE_EDIT'").fetchone()
    result = invoke("logs", "show", edit_id[:31])
    assert result.exit_code == ExitCode.FAILED
    assert "No job found" in result.stderr


def test_prefixes_on_a_postgres_system_database(
    invoke, project_dir: Path, postgres_schema_uri: str
) -> None:
    for run_id in (*NEAR, FAR):
        add_run(project_dir, "dev:a-to-b", run_id=run_id, log=None, uri=postgres_schema_uri)
    history = RunHistory(open_url(postgres_schema_uri))
    assert {run.run_id for run in history.find_prefix("01a2350c-5248")} == set(NEAR)
    assert [run.run_id for run in history.find_prefix("7f0")] == [FAR]
    env = {"MELTANO_DATABASE_URI": postgres_schema_uri}
    ambiguous = invoke("logs", "show", "01a2350c", env=env)
    assert "Log ID prefix '01a2350c' matches 2 runs" in ambiguous.stderr
    listed = invoke("logs", "list", env=env).stdout
    assert all(run_id in listed for run_id in (*NEAR, FAR))
