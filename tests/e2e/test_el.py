"""`meltano el` / `meltano elt` end to end."""

from __future__ import annotations

import json
from pathlib import Path

from meltano.core.errors import ExitCode
from tests.e2e.conftest import ids, runs, state


def test_el_with_state_id_is_incremental(invoke, pipeline_project: Path) -> None:
    assert invoke("el", "tap-counter", "target-jsonl", "--state-id", "mine").exit_code == 0
    assert state(invoke, "mine")["singer_state"]["bookmarks"]["counter"]["id"] == 6
    again = invoke(
        "el", "tap-counter", "target-jsonl", "--state-id", "mine", env={"TAP_COUNTER_RECORDS": "7"}
    )
    assert again.exit_code == 0
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6, 7]
    assert runs(invoke)[0]["job_name"] == "mine"


def test_el_without_state_id_warns_and_uses_ephemeral(invoke, pipeline_project: Path) -> None:
    result = invoke("el", "tap-counter", "target-jsonl")
    assert result.exit_code == 0
    assert "ephemeral state ID" in result.stderr
    assert runs(invoke)[0]["job_name"].endswith("--tap-counter--target-jsonl")


def test_el_select_exclude_and_catalog(invoke, pipeline_project: Path, tmp_path: Path) -> None:
    result = invoke("el", "tap-counter", "target-jsonl", "--state-id", "x", "--exclude", "counter")
    assert result.exit_code == 0
    assert ids(pipeline_project) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]  # the test tap ignores selection: it still ran
    dumped = invoke(
        "el",
        "tap-counter",
        "target-jsonl",
        "--state-id",
        "x",
        "--exclude",
        "counter",
        "--dump",
        "catalog",
    )
    catalog = json.loads(dumped.stdout)
    stream_meta = next(m for m in catalog["streams"][0]["metadata"] if m["breadcrumb"] == [])
    assert stream_meta["metadata"]["selected"] is False
    custom = tmp_path / "catalog.json"
    custom.write_text(
        json.dumps(
            {"streams": [{"tap_stream_id": "mine", "stream": "mine", "schema": {}, "metadata": []}]}
        )
    )
    dumped = invoke(
        "el",
        "tap-counter",
        "target-jsonl",
        "--catalog",
        str(custom),
        "--dump",
        "catalog",
        "--state-id",
        "x",
    )
    assert json.loads(dumped.stdout)["streams"][0]["stream"] == "mine"


def test_el_state_file_and_dumps(invoke, pipeline_project: Path, tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps({"bookmarks": {"counter": {"id": 4}}}))
    result = invoke(
        "el", "tap-counter", "target-jsonl", "--state-id", "s", "--state", str(state_file)
    )
    assert result.exit_code == 0
    assert ids(pipeline_project) == [5, 6]
    config = json.loads(
        invoke(
            "el", "tap-counter", "target-jsonl", "--dump", "extractor-config", "--state-id", "s"
        ).stdout
    )
    assert config["records"] == 6
    missing = invoke("el", "tap-counter", "target-jsonl", "--dump", "state", "--state-id", "new")
    assert missing.exit_code == ExitCode.FAILED
    assert "Could not find state file" in missing.stderr


def test_el_failure_message(invoke, pipeline_project: Path) -> None:
    result = invoke(
        "el", "tap-counter", "target-jsonl", "--state-id", "f", env={"TARGET_JSONL_EXIT_AT": "3"}
    )
    assert result.exit_code == ExitCode.FAILED
    assert "ELT could not be completed" in result.stderr
    assert "target-jsonl" in result.stderr
    assert runs(invoke)[0]["state"] == "FAIL"


def test_elt_is_deprecated_but_works(invoke, pipeline_project: Path) -> None:
    result = invoke("elt", "tap-counter", "target-jsonl", "--state-id", "e")
    assert result.exit_code == 0
    assert "deprecated" in result.stderr
    assert (
        invoke(
            "elt", "tap-counter", "target-jsonl", "--state-id", "e", "--transform", "run"
        ).exit_code
        == ExitCode.FAILED
    )


def test_el_wrong_plugin_types(invoke, pipeline_project: Path) -> None:
    result = invoke("el", "target-jsonl", "tap-counter")
    assert result.exit_code == ExitCode.FAILED
    assert "is not known to this project" in result.stderr


def test_el_prints_a_summary_and_stores_it(invoke, pipeline_project: Path) -> None:
    result = invoke("el", "tap-counter", "target-jsonl", "--state-id", "sum", "--summary", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    (step,) = summary["steps"]
    assert step["status"] == "success"
    assert step["state"]["state_id"] == "sum"
    assert [p["exit_code"] for p in step["plugins"]] == [0, 0]
    text = invoke("el", "tap-counter", "target-jsonl", "--state-id", "sum2")
    assert text.exit_code == 0
    assert "Run summary: success" in text.stderr
    assert "state: saved for sum2" in text.stderr


def test_el_dump_prints_only_the_file(invoke, pipeline_project: Path) -> None:
    dumped = invoke(
        "el", "tap-counter", "target-jsonl", "--dump", "extractor-config", "--summary", "json"
    )
    assert dumped.exit_code == 0
    assert json.loads(dumped.stdout)["records"] == 6
