"""`meltano run --parallel N` end to end with the stdlib Singer plugins in tests/plugins."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import jsonschema
import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import finish, run_records, start, wait_for

pytestmark = pytest.mark.slow

LOADERS = """
  - {name: target-a, inherit_from: target-jsonl, config: {path: $MELTANO_PROJECT_ROOT/output/a.jsonl}}
  - {name: target-b, inherit_from: target-jsonl, config: {path: $MELTANO_PROJECT_ROOT/output/b.jsonl}}
  - {name: target-c, inherit_from: target-jsonl, config: {path: $MELTANO_PROJECT_ROOT/output/c.jsonl}}
"""
THREE = ("tap-counter", "target-a", "tap-counter", "target-b", "tap-counter", "target-c")


@pytest.fixture
def three_loaders(pipeline_project: Path) -> Path:
    path = pipeline_project / "meltano.yml"
    text = path.read_text()
    marker = "  mappers:\n"
    path.write_text(text.replace(marker, LOADERS.lstrip("\n") + marker, 1))
    return pipeline_project


def failing(project: Path, loader: str, at: int) -> None:
    """Make `loader` exit with code 5 when its record number `at` arrives."""
    path = project / "meltano.yml"
    old = f"output/{loader[-1]}.jsonl}}"
    path.write_text(path.read_text().replace(old, f"output/{loader[-1]}.jsonl, exit_at: {at}}}"))


def loaded(project: Path, name: str) -> list[int]:
    path = project / "output" / f"{name}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["record"]["id"] for line in path.read_text().splitlines()]


def state_of(invoke, loader: str) -> dict:
    result = invoke("state", "get", f"dev:tap-counter-to-{loader}")
    return json.loads(result.stdout) if result.exit_code == 0 else {}


def test_parallel_3_with_one_failing_set(invoke, three_loaders: Path) -> None:
    env = {
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_RECORD_DELAY": "0.2",  # about 1.2 s a set: side by side, they overlap
    }
    failing(three_loaders, "target-b", 4)
    result = invoke("run", "--parallel", "3", *THREE, env=env)
    assert result.exit_code == ExitCode.FAILED, result.output
    assert "Loader target-b failed with exit code 5" in result.stderr

    # the others went on: all rows and a complete state each; the failed one kept its progress
    assert loaded(three_loaders, "a") == loaded(three_loaders, "c") == [1, 2, 3, 4, 5, 6]
    assert loaded(three_loaders, "b") == [1, 2, 3]
    done = {"singer_state": {"bookmarks": {"counter": {"id": 6}}}}
    assert state_of(invoke, "target-a") == state_of(invoke, "target-c") == done
    assert state_of(invoke, "target-b") == {"singer_state": {"bookmarks": {"counter": {"id": 3}}}}

    # one run record and one log file per set, and they ran at the same time
    records = {r.state_id: r for r in run_records(three_loaders)}
    assert {k: r.state for k, r in records.items()} == {
        "dev:tap-counter-to-target-a": "SUCCESS",
        "dev:tap-counter-to-target-b": "FAIL",
        "dev:tap-counter-to-target-c": "SUCCESS",
    }
    assert max(r.started_at for r in records.values()) < min(r.ended_at for r in records.values())
    for loader, record in records.items():
        log = next((three_loaders / ".meltano" / "logs" / "elt").glob(f"*{loader[4:]}/*/elt.log"))
        others = {"target-a", "target-b", "target-c"} - {loader.rsplit("-to-", 1)[1]}
        text = log.read_text()
        assert not any(f"tap-counter {other}" in text for other in others), text
        assert record.run_id in str(log)
    assert "block set finished" in result.stderr and "status='failed'" in result.stderr


def test_two_sets_with_one_state_id_are_refused_before_anything_starts(
    invoke, three_loaders: Path
) -> None:
    result = invoke("run", "--parallel", "2", "tap-counter", "target-a", "tap-counter", "target-a")
    assert result.exit_code == ExitCode.FAILED
    assert "both use the state ID 'dev:tap-counter-to-target-a'" in result.stderr
    assert run_records(three_loaders) == []
    assert loaded(three_loaders, "a") == []


def test_fail_fast_stops_the_other_sets(invoke, three_loaders: Path) -> None:
    env = {
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_RECORDS": "100",
        "TAP_COUNTER_RECORD_DELAY": "0.05",
    }
    failing(three_loaders, "target-a", 2)
    began = time.monotonic()
    result = invoke("run", "--parallel", "2", "--fail-fast", *THREE, env=env)
    assert result.exit_code == ExitCode.FAILED, result.output
    assert time.monotonic() - began < 20  # the 5 s set b was stopped, c never started
    assert "Loader target-a failed with exit code 5" in result.stderr
    assert len(loaded(three_loaders, "b")) < 100
    assert loaded(three_loaders, "c") == []
    assert "block set not started" in result.stderr
    records = {r.state_id: r.state for r in run_records(three_loaders)}
    assert records == {"dev:tap-counter-to-target-a": "FAIL", "dev:tap-counter-to-target-b": "FAIL"}


def test_fail_fast_needs_parallel(invoke, three_loaders: Path) -> None:
    result = invoke("run", "--fail-fast", "tap-counter", "target-a")
    assert result.exit_code == ExitCode.USAGE
    assert "--fail-fast needs --parallel" in result.output


def test_sigterm_stops_every_set(three_loaders: Path) -> None:
    env = {
        "TAP_COUNTER_RECORDS": "1000",
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_RECORD_DELAY": "0.05",
    }
    began = time.monotonic()
    process = start(three_loaders, "run", "--parallel", "2", *THREE, env=env)
    try:
        assert wait_for(lambda: loaded(three_loaders, "a") and loaded(three_loaders, "b"), 60)
        os.kill(process.pid, signal.SIGTERM)
        finished = finish(process, began)
    finally:
        if process.poll() is None:
            process.kill()
    assert finished.code == ExitCode.TERMINATED, finished.stderr[-3000:]
    records = {r.state_id: r for r in run_records(three_loaders)}
    assert sorted(records) == ["dev:tap-counter-to-target-a", "dev:tap-counter-to-target-b"]
    assert all(r.state == "FAIL" and "terminated" in r.payload["error"] for r in records.values())
    assert loaded(three_loaders, "c") == []
    assert len(loaded(three_loaders, "a")) < 1000


def test_the_tasks_of_a_job_run_side_by_side_each_with_its_commands(
    invoke, three_loaders: Path
) -> None:
    path = three_loaders / "meltano.yml"
    path.write_text(
        path.read_text()
        + "- name: three\n  tasks:\n  - util:hello\n  - tap-counter target-a\n"
        + "  - tap-counter target-b util:hello\n  - tap-counter target-c\n"
    )
    env = {"TAP_COUNTER_STATE_EVERY": "1", "TAP_COUNTER_RECORD_DELAY": "0.2"}
    result = invoke("run", "--parallel", "3", "three", env=env)
    assert result.exit_code == 0, result.output
    for name in "abc":
        assert loaded(three_loaders, name) == [1, 2, 3, 4, 5, 6]
    assert (three_loaders / "output" / "util.txt").read_text() == "hello-from-util\n"
    records = run_records(three_loaders)
    assert [r.state for r in records] == ["SUCCESS"] * 3
    assert max(r.started_at for r in records) < min(r.ended_at for r in records)
    assert "block set finished block_set='tap-counter target-b util:hello'" in result.stderr


def test_the_summary_lists_each_block_set(invoke, three_loaders: Path) -> None:
    env = {
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_RECORD_DELAY": "0.2",
        "TAP_COUNTER_METRICS": "true",  # SDK-style record_count counters on stderr
    }
    failing(three_loaders, "target-b", 4)
    result = invoke("run", "--parallel", "3", "--summary", "json", *THREE, env=env)
    assert result.exit_code == ExitCode.FAILED, result.output
    document = json.loads(result.stdout)
    schema = json.loads(
        (Path(__file__).parents[2] / "docs" / "run-summary.schema.json").read_text()
    )
    jsonschema.validate(document, schema)
    assert document["status"] == "failed"
    steps = {step["block_set"]: step for step in document["steps"]}
    assert list(steps) == [f"tap-counter target-{name}" for name in "abc"]  # in plan order
    assert {name: step["status"] for name, step in steps.items()} == {
        "tap-counter target-a": "success",
        "tap-counter target-b": "failed",
        "tap-counter target-c": "success",
    }
    for name in "ac":
        step = steps[f"tap-counter target-{name}"]
        assert step["streams"] == [{"stream": "counter", "extracted": 6, "loaded": None}]
        assert step["state"]["saved"] is True
        assert step["state"]["state_id"] == f"dev:tap-counter-to-target-{name}"
    failed = steps["tap-counter target-b"]
    assert failed["error"] == "Loader target-b failed with exit code 5"
    assert failed["state"]["saved"] is True  # the progress its loader confirmed
    # each set's run record holds its own step
    records = {r.state_id: r for r in run_records(three_loaders)}
    assert {r.run_id for r in records.values()} == {s["run_id"] for s in steps.values()}


def test_the_text_summary_counts_the_sets_and_says_which_never_started(
    invoke, three_loaders: Path
) -> None:
    env = {
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_RECORDS": "100",
        "TAP_COUNTER_RECORD_DELAY": "0.05",
    }
    failing(three_loaders, "target-a", 2)
    result = invoke("run", "--parallel", "2", "--fail-fast", *THREE, env=env)
    assert result.exit_code == ExitCode.FAILED, result.output
    summary = result.stderr[result.stderr.index("Run summary: ") :]
    assert summary.splitlines()[0].endswith("; 3 block sets side by side: 2 failed, 1 skipped")
    assert "✗ tap-counter → target-a: failed in " in summary
    assert "✗ tap-counter → target-b: failed in " in summary  # stopped by --fail-fast
    assert (
        "- tap-counter → target-c: skipped (the run stopped before this block set started)"
        in summary
    )


def test_on_a_terminal_the_live_view_shows_every_running_set(three_loaders: Path) -> None:
    from tests.e2e.test_run_summary import ANSI, run_in_pty

    path = three_loaders / "meltano.yml"
    path.write_text(
        path.read_text()
        + "- name: three\n  tasks:\n  - tap-counter target-a\n  - tap-counter target-b\n"
        + "  - tap-counter target-c\n"
    )
    env_file = three_loaders / ".env"
    existing = env_file.read_text() if env_file.exists() else ""
    env_file.write_text(
        existing + "TAP_COUNTER_STATE_EVERY=1\nTAP_COUNTER_RECORDS=20\n"
        "TAP_COUNTER_RECORD_DELAY=0.1\nTAP_COUNTER_METRICS=true\n"
    )
    code, output = run_in_pty(three_loaders, "run", "--parallel", "2", "three")
    plain = ANSI.sub("", output).replace("\r", "")
    assert code == 0, plain[-3000:]
    # two sets ran at once, each with its table; the third waited for a free slot
    assert re.search(r"▶ tap-counter → target-a .*\n(.*\n)*?▶ tap-counter → target-b ", plain)
    assert "· tap-counter → target-c" in plain
    assert re.search(r"\n  tap-counter +counter +\d+ ", plain)
    assert re.search(r"\n  target-a +no metrics ", plain)
    assert "Run summary: success in " in plain
    assert "3 block sets side by side: 3 success" in plain
