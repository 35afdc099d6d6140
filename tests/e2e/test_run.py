"""`meltano run` end to end with the stdlib Singer plugins in tests/plugins."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from meltano.core.errors import ExitCode
from tests.e2e.conftest import STATE_ID, ids, rows, runs, state


def test_run_pipes_records_and_stores_state(invoke, pipeline_project: Path) -> None:
    result = invoke("run", "tap-counter", "target-jsonl")
    assert result.exit_code == 0, result.output
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]
    assert state(invoke) == {"singer_state": {"bookmarks": {"counter": {"id": 6}}}}
    (run,) = runs(invoke)
    assert (run["job_name"], run["state"], run["trigger"]) == (STATE_ID, "SUCCESS", "cli")
    assert "hunter2-secret" not in result.output


def test_second_run_resumes_from_state(invoke, pipeline_project: Path) -> None:
    invoke("run", "tap-counter", "target-jsonl")
    result = invoke("run", "tap-counter", "target-jsonl", env={"TAP_COUNTER_RECORDS": "8"})
    assert result.exit_code == 0, result.output
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_mapping_and_command_block_and_job(invoke, pipeline_project: Path) -> None:
    result = invoke("run", "tap-counter", "upper", "target-jsonl", "util:hello")
    assert result.exit_code == 0, result.output
    assert (pipeline_project / "output" / "util.txt").read_text() == "hello-from-util\n"
    assert len(ids(pipeline_project)) == 6
    (pipeline_project / "output" / "util.txt").unlink()
    assert invoke("run", "--full-refresh", "everything").exit_code == 0
    assert (pipeline_project / "output" / "util.txt").exists()


def test_failing_tap_stops_the_run_and_keeps_state(invoke, pipeline_project: Path) -> None:
    result = invoke(
        "run", "tap-counter", "target-jsonl", "util:hello", env={"TAP_COUNTER_EXIT_AT": "5"}
    )
    assert result.exit_code == ExitCode.FAILED
    assert "tap-counter" in result.stderr and "exit code 3" in result.stderr
    assert "giving up at record 5" in result.stderr
    assert not (pipeline_project / "output" / "util.txt").exists()
    assert state(invoke) == {"singer_state": {"bookmarks": {"counter": {"id": 4}}}}
    (run,) = runs(invoke)
    assert run["state"] == "FAIL"
    rerun = invoke("run", "tap-counter", "target-jsonl")
    assert rerun.exit_code == 0
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]


def test_failing_command_block(invoke, pipeline_project: Path) -> None:
    result = invoke("run", "util:fail")
    assert result.exit_code == ExitCode.FAILED
    assert "util" in result.stderr


def test_invalid_plans_run_nothing(invoke, pipeline_project: Path) -> None:
    result = invoke("run", "target-jsonl", "tap-counter")
    assert result.exit_code == ExitCode.FAILED
    assert "not preceded by an extractor" in result.stderr
    unknown = invoke("run", "tap-nope", "target-jsonl")
    assert "Block tap-nope not found" in unknown.stderr
    assert rows(pipeline_project) == []


def test_dry_run(invoke, pipeline_project: Path) -> None:
    result = invoke("run", "--dry-run", "tap-counter", "target-jsonl", "util:hello")
    assert result.exit_code == 0
    assert result.stderr.count("dry run, would run block") == 2
    assert rows(pipeline_project) == []


def test_state_id_suffix_and_environment(invoke, pipeline_project: Path) -> None:
    assert invoke("run", "--state-id-suffix", "blue", "tap-counter", "target-jsonl").exit_code == 0
    assert state(invoke, f"{STATE_ID}:blue")["singer_state"]
    assert invoke("--environment", "prod", "run", "tap-counter", "target-jsonl").exit_code == 0
    assert state(invoke, "prod:tap-counter-to-target-jsonl")["singer_state"]
    no_env = invoke("--no-environment", "run", "tap-counter", "target-jsonl")
    assert no_env.exit_code == ExitCode.FAILED
    assert "A Meltano environment must be specified" in no_env.stderr


def test_no_state_update_reads_but_does_not_write(invoke, pipeline_project: Path) -> None:
    invoke("run", "tap-counter", "target-jsonl")
    result = invoke(
        "run", "--no-state-update", "tap-counter", "target-jsonl", env={"TAP_COUNTER_RECORDS": "9"}
    )
    assert result.exit_code == 0
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert state(invoke) == {"singer_state": {"bookmarks": {"counter": {"id": 6}}}}
    assert len(runs(invoke)) == 1


def test_full_refresh_is_partial_then_cleared(invoke, pipeline_project: Path) -> None:
    invoke("run", "tap-counter", "target-jsonl")
    invoke("run", "--full-refresh", "tap-counter", "target-jsonl", env={"TAP_COUNTER_RECORDS": "3"})
    assert state(invoke)["singer_state"]["bookmarks"]["counter"]["id"] == 3
    exported = (
        json.loads(invoke("state", "export").stdout)
        if invoke("state", "export").exit_code == 0
        else None
    )
    if exported is not None:
        stored = exported.get(STATE_ID) or {}
        assert stored.get("partial", {}).get("singer_state")


def test_running_record_blocks_unless_forced(invoke, pipeline_project: Path) -> None:
    from meltano.core.blocks.history import RunHistory
    from meltano.core.db.connect import open_url

    database = open_url(f"sqlite:///{pipeline_project / '.meltano' / 'meltano.db'}")
    RunHistory(database).start(STATE_ID, str(uuid.uuid4()), trigger="cli")
    blocked = invoke("run", "tap-counter", "target-jsonl")
    assert blocked.exit_code == ExitCode.ALREADY_RUNNING
    assert "already running" in blocked.stderr
    assert invoke("run", "--force", "tap-counter", "target-jsonl").exit_code == 0


def test_timeout(invoke, pipeline_project: Path) -> None:
    result = invoke(
        "run",
        "--timeout",
        "1",
        "tap-counter",
        "target-jsonl",
        env={"TAP_COUNTER_SLEEP_AT": "2", "TAP_COUNTER_SLEEP": "30"},
    )
    assert result.exit_code == ExitCode.TIMED_OUT
    assert "timed out" in result.stderr.lower()
    assert runs(invoke)[0]["state"] == "FAIL"


def test_trigger_and_run_id(invoke, pipeline_project: Path) -> None:
    run_id = str(uuid.uuid4())
    result = invoke(
        "run",
        "--run-id",
        run_id,
        "tap-counter",
        "target-jsonl",
        env={"MELTANO_JOB_TRIGGER": "airflow"},
    )
    assert result.exit_code == 0
    (run,) = runs(invoke)
    assert (run["log_id"], run["trigger"]) == (run_id, "airflow")
    log = invoke("logs", "show", run_id).stdout
    assert "block run completed" not in log or "tap-counter" in log
    assert invoke("run", "--run-id", "nope", "tap-counter", "target-jsonl").exit_code == 2


def test_merge_strategy_stores_partial(invoke, pipeline_project: Path) -> None:
    invoke("run", "tap-counter", "target-jsonl")
    result = invoke(
        "run",
        "--state-strategy",
        "merge",
        "--full-refresh",
        "tap-counter",
        "target-jsonl",
        env={"TAP_COUNTER_RECORDS": "2"},
    )
    assert result.exit_code == 0
    assert state(invoke)["singer_state"]["bookmarks"]["counter"]["id"] == 2
    both = invoke(
        "run", "--merge-state", "--state-strategy", "overwrite", "tap-counter", "target-jsonl"
    )
    assert both.exit_code == 2


def test_plugin_colour_codes_stay_out_of_log_files_and_run_records(
    invoke, pipeline_project: Path
) -> None:
    import sqlite3
    import sys

    from tests.e2e.conftest import PLUGINS

    wrapper = pipeline_project / "colour_tap.sh"
    wrapper.write_text(
        "#!/bin/sh\n"
        "printf '\\033[1;32mINFO\\033[0m \\033]8;;https://x.test\\033\\\\a link\\033]8;;\\033\\\\ "
        "in colour\\n' >&2\n"
        f'exec {sys.executable} {PLUGINS / "tap_counter.py"} "$@"\n'
    )
    wrapper.chmod(0o755)
    meltano_yml = pipeline_project / "meltano.yml"
    meltano_yml.write_text(
        meltano_yml.read_text().replace(str(PLUGINS / "tap_counter.py"), str(wrapper), 1)
    )
    result = invoke("run", "tap-counter", "target-jsonl", env={"TAP_COUNTER_EXIT_AT": "3"})
    assert result.exit_code == ExitCode.FAILED
    assert "INFO a link in colour" in result.stderr  # not a colour terminal: plain text
    assert "\x1b" not in result.stderr
    (run,) = runs(invoke)
    log = invoke("logs", "show", run["log_id"]).stdout
    assert "INFO a link in colour" in log
    assert "\x1b" not in log
    with sqlite3.connect(pipeline_project / ".meltano" / "meltano.db") as db:
        (row,) = db.execute("SELECT payload, summary FROM runs").fetchall()
    stored = json.dumps(row)
    assert "INFO a link in colour" in stored  # the failure's stderr tail is recorded
    assert "\\u001b" not in stored and "\x1b" not in stored


def test_failed_automatic_install_is_a_failed_run(invoke, pipeline_project: Path) -> None:
    import sqlite3

    meltano_yml = pipeline_project / "meltano.yml"
    meltano_yml.write_text(
        meltano_yml.read_text().replace(
            "    namespace: tap_counter\n",
            "    namespace: tap_counter\n    pip_url: /no/such/package\n",
            1,
        )
    )
    result = invoke("run", "tap-counter", "target-jsonl")
    assert result.exit_code == ExitCode.FAILED
    assert "Could not install extractor 'tap-counter'" in result.stderr
    (run,) = runs(invoke)
    assert (run["job_name"], run["state"], run["trigger"]) == (STATE_ID, "FAIL", "cli")
    with sqlite3.connect(pipeline_project / ".meltano" / "meltano.db") as db:
        (payload,) = db.execute("SELECT payload FROM runs").fetchone()
    assert "Could not install extractor 'tap-counter'" in payload
    assert not (pipeline_project / "output").exists() or ids(pipeline_project) == []
