"""F1, F2, F5, F15, F16, F21: a plugin fails mid-run; state, rows and the run record stay right."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import (
    alive,
    bookmark,
    finish,
    ids,
    logs_list,
    meltano,
    run_records,
    start,
    wait_for,
)

TAP_AT_7 = {"TAP_COUNTER_RECORDS": "10", "TAP_COUNTER_STATE_EVERY": "5", "TAP_COUNTER_EXIT_AT": "7"}
MAPPED = ("run", "tap-counter", "upper", "target-jsonl")
PLAIN = ("run", "tap-counter", "target-jsonl")


def assert_failed_record(project: Path, *needles: str) -> str:
    """The newest run record is FAIL and its error names every needle; return the error."""
    (summary, *_) = run_records(project)
    assert summary.state == "FAIL"
    error = summary.payload["error"]
    for needle in needles:
        assert needle in error, error
    listed = logs_list(project)[0]
    assert listed["state"] == "FAIL"
    return error


@pytest.mark.parametrize("args", [PLAIN, MAPPED], ids=["plain", "mapper"])
def test_f1_tap_exits_3_after_state_5(pipeline_project: Path, args: tuple[str, ...]) -> None:
    failed = meltano(pipeline_project, *args, env=TAP_AT_7)
    assert failed.code == ExitCode.FAILED
    assert "tap-counter failed with exit code 3" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert bookmark(pipeline_project) == 5
    assert_failed_record(pipeline_project, "tap-counter", "exit code 3", "giving up at record 7")
    rerun = meltano(pipeline_project, *args, env={"TAP_COUNTER_RECORDS": "10"})
    assert rerun.code == 0, rerun.stderr
    written = ids(pipeline_project)
    assert written[: written.index(6, 5)] == [1, 2, 3, 4, 5]  # first run: 1..6
    assert written[written.index(6) + 1 :][:1] == [6]  # the rerun starts at 6
    assert set(written) == set(range(1, 11))
    assert bookmark(pipeline_project) == 10


@pytest.mark.slow
@pytest.mark.parametrize("args", [PLAIN, MAPPED], ids=["plain", "mapper"])
def test_f2_target_exits_5_stops_the_tap(pipeline_project: Path, args: tuple[str, ...]) -> None:
    env = {
        "TAP_COUNTER_RECORDS": "30",
        "TAP_COUNTER_STATE_EVERY": "5",
        "TAP_COUNTER_SLEEP_AT": "20",  # the tap would sit here a minute if nobody stopped it
        "TAP_COUNTER_SLEEP": "60",
        "TARGET_JSONL_EXIT_AT": "8",
    }
    began = time.monotonic()
    process = start(pipeline_project, *args, env=env)
    try:
        project = str(pipeline_project)
        assert wait_for(lambda: alive("target_jsonl.py", project), 30)
        assert wait_for(lambda: not alive("target_jsonl.py", project), 30)
        target_gone = time.monotonic()
        assert wait_for(lambda: not alive("tap_counter.py", project), 1.0), "tap outlived 1 s"
        tap_stop = time.monotonic() - target_gone
        done = finish(process, began)
    finally:
        if process.poll() is None:
            process.kill()
    assert done.code == ExitCode.FAILED
    assert "target-jsonl failed with exit code 5" in done.stderr
    assert "tap-counter" not in done.stderr.split("Error:")[-1]  # not blamed
    time.sleep(2)
    assert alive(project) == []
    assert bookmark(pipeline_project) == 5
    assert_failed_record(pipeline_project, "target-jsonl", "exit code 5", "stopping at record 8")
    print(f"F2 tap stopped {tap_stop:.3f} s after the target exited")
    rerun = meltano(pipeline_project, *args, env={"TAP_COUNTER_RECORDS": "10"})
    assert rerun.code == 0, rerun.stderr
    assert set(ids(pipeline_project)) == set(range(1, 11))


def test_f21_failing_mapper_is_named(pipeline_project: Path) -> None:
    env = {"TAP_COUNTER_STATE_EVERY": "1", "MAPPER_UPPER_EXIT_AT": "4"}
    failed = meltano(pipeline_project, *MAPPED, env=env)
    assert failed.code == ExitCode.FAILED
    assert "Mapper upper failed with exit code 7" in failed.stderr
    assert "tap-counter" not in failed.stderr.split("Error:")[-1]
    assert_failed_record(pipeline_project, "Mapper upper", "exit code 7", "stopping at record 4")
    assert bookmark(pipeline_project) == 3


def test_f5_non_json_line_from_the_tap(pipeline_project: Path) -> None:
    good = meltano(pipeline_project, *PLAIN, env={"TAP_COUNTER_STATE_EVERY": "1"})
    assert good.code == 0
    env = {
        "TAP_COUNTER_RECORDS": "12",
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_NON_JSON_AT": "9",
    }
    failed = meltano(pipeline_project, *PLAIN, env=env)
    assert failed.code == ExitCode.FAILED
    assert "target-jsonl failed with exit code 1" in failed.stderr
    assert "is not JSON" in failed.stderr  # its own last stderr line, quoted
    assert_failed_record(pipeline_project, "target-jsonl", "is not JSON")
    assert bookmark(pipeline_project) == 8


def test_f15_target_exits_0_without_reading(pipeline_project: Path) -> None:
    env = {"TARGET_JSONL_EXIT_EARLY": "true", "TAP_COUNTER_RECORDS": "200000"}
    failed = meltano(pipeline_project, *PLAIN, env=env)
    assert failed.code == ExitCode.FAILED
    assert "target-jsonl exited with code 0 before reading all of its input" in failed.stderr
    assert "BrokenPipe" not in failed.stderr
    assert "Traceback" not in failed.stderr
    assert_failed_record(pipeline_project, "target-jsonl", "before reading all of its input")


def test_f16_tap_killed_by_sigkill(pipeline_project: Path) -> None:
    env = {"TAP_COUNTER_STATE_EVERY": "1", "TAP_COUNTER_KILL_AT": "4"}
    failed = meltano(pipeline_project, *PLAIN, env=env)
    assert failed.code == ExitCode.FAILED
    assert "tap-counter was killed by signal 9 (SIGKILL)" in failed.stderr
    assert_failed_record(pipeline_project, "tap-counter", "signal 9")
    assert bookmark(pipeline_project) == 3


@pytest.mark.parametrize("holds", ["stdout+stderr", "stderr"])
def test_f34_grandchild_holding_a_pipe_does_not_hold_the_run(
    pipeline_project: Path, holds: str
) -> None:
    env = {"TAP_COUNTER_LEAVE_BEHIND": "61.25"}  # a detached `sleep` that outlives the tap
    if holds == "stderr":
        env["TAP_COUNTER_LEAVE_BEHIND_STDERR_ONLY"] = "true"
    fresh = ("run", "--full-refresh", "tap-counter", "target-jsonl")
    quiet = meltano(pipeline_project, *fresh)
    done = meltano(pipeline_project, *fresh, env=env)
    print(
        f"F34 grandchild (setsid) holding the tap's {holds}: run done in {done.seconds:.2f} s "
        f"({quiet.seconds:.2f} s without it)"
    )
    assert done.code == 0, done.stderr[-2000:]
    assert done.seconds < quiet.seconds + 2.0 + 3.0  # 2 s of drain at most, plus load
    assert wait_for(lambda: not alive("61.25"), 5.0)  # and the leftover is gone
    assert bookmark(pipeline_project) == 6
    assert ids(pipeline_project)[-6:] == [1, 2, 3, 4, 5, 6]
