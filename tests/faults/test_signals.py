"""F3, F10, F14 (kill -9), F21: meltano killed, signalled or timed out mid-run.

Nothing outlives meltano, committed state stays, the next run starts without --force, and
the run record says why the run ended.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from meltano.core.processes.pipes import DEFAULT_GRACE_PERIOD
from tests.faults.conftest import (
    alive,
    bookmark,
    finish,
    ids,
    meltano,
    run_records,
    start,
    wait_for,
)

pytestmark = pytest.mark.slow

PLAIN = ("run", "tap-counter", "target-jsonl")
MAPPED = ("run", "tap-counter", "upper", "target-jsonl")


def kill_meltano_when(
    project: Path, args: tuple[str, ...], env: dict[str, str], ready: object
) -> float:
    """Start a run, SIGKILL meltano once `ready()` holds; return how long its children lived."""
    process = start(project, *args, env=env)
    try:
        assert wait_for(ready, 30, step=0.1), "the run never got to the point of the kill"
        os.kill(process.pid, signal.SIGKILL)
        killed = time.monotonic()
        process.communicate(timeout=10)
        assert wait_for(lambda: not alive(project), 2.0), f"still alive: {alive(project)}"
        return time.monotonic() - killed
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("args", [PLAIN, MAPPED], ids=["plain", "mapper"])
def test_f3_kill_9_with_a_sleeping_tap(pipeline_project: Path, args: tuple[str, ...]) -> None:
    env = {
        "TAP_COUNTER_RECORDS": "10",
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_SLEEP_AT": "6",
        "TAP_COUNTER_SLEEP": "60",
    }
    lived = kill_meltano_when(pipeline_project, args, env, lambda: bookmark(pipeline_project) == 5)
    print(f"F3 children gone {lived:.3f} s after kill -9 of meltano")
    assert bookmark(pipeline_project) == 5
    rerun = meltano(pipeline_project, *args, env={"TAP_COUNTER_RECORDS": "10"})
    assert rerun.code == 0, rerun.stderr  # no --force: the kernel released the lock
    assert "ended without finishing its run record" not in rerun.stdout
    assert ids(pipeline_project) == list(range(1, 11))
    first, second = reversed(run_records(pipeline_project)[:2])
    assert (first.state, second.state) == ("FAIL", "SUCCESS")
    assert "killed" in first.payload["error"]


def test_f3_f14_kill_9_of_a_busy_run_loses_at_most_one_flush(pipeline_project: Path) -> None:
    env = {
        "TAP_COUNTER_RECORDS": "100000",
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_RECORD_DELAY": "0.002",
    }
    output = pipeline_project / "output" / "tap_counter.jsonl"
    process = start(pipeline_project, *PLAIN, env=env)
    try:
        assert wait_for(output.exists, 30, step=0.01)
        first_rows = time.monotonic()
        time.sleep(2.5)  # well past the first flush, so a stale state would show
        confirmed = ids(pipeline_project)[-1]  # the target writes rows, then echoes their STATE
        os.kill(process.pid, signal.SIGKILL)
        killed = time.monotonic()
        process.communicate(timeout=10)
        assert wait_for(lambda: not alive(pipeline_project), 2.0)
        lived = time.monotonic() - killed
    finally:
        if process.poll() is None:
            process.kill()
    stored = bookmark(pipeline_project)
    assert stored is not None
    rate = confirmed / (killed - first_rows)  # records per second, a little under the true rate
    behind = (confirmed - stored) / rate
    print(
        f"F14 after kill -9 the stored state was {confirmed - stored} records ({behind:.2f} s) "
        f"behind the target; F3 children gone {lived:.3f} s after the kill"
    )
    assert behind <= 1.0 + 0.25  # one flush interval, plus how long reading the rows took
    rerun = meltano(pipeline_project, *PLAIN, env={"TAP_COUNTER_RECORDS": str(stored + 5)})
    assert rerun.code == 0, rerun.stderr
    assert ids(pipeline_project)[-5:] == list(range(stored + 1, stored + 6))


def signalled_run(
    project: Path, args: tuple[str, ...], env: dict[str, str], signum: int
) -> tuple[int, str, float]:
    """Start a run, send `signum` to meltano once every plugin is ready; return code, stderr, s."""
    ready = [project / "tap.ready", project / "target.ready"]
    env = {
        "TAP_COUNTER_READY_FILE": str(ready[0]),
        "TARGET_JSONL_READY_FILE": str(ready[1]),
        "TAP_COUNTER_SLEEP_AT": "3",
        "TAP_COUNTER_SLEEP": "60",
        **env,
    }
    if "upper" in args:
        ready.append(project / "mapper.ready")
        env["MAPPER_UPPER_READY_FILE"] = str(ready[2])
    began = time.monotonic()
    process = start(project, *args, env=env)
    try:
        assert wait_for(lambda: all(path.exists() for path in ready), 30)
        time.sleep(0.3)  # the tap is asleep at record 3 now
        os.kill(process.pid, signum)
        sent = time.monotonic()
        done = finish(process, began)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    assert wait_for(lambda: not alive(project), 2.0)
    assert list((project / ".meltano" / "run" / "runs").glob("*/*/*")) == []  # config files gone
    return done.code, done.stderr, took


def own_traceback(stderr: str) -> list[str]:
    """Traceback lines meltano printed itself (a plugin's own, logged under its name, are fine)."""
    plugins = ("tap-counter", "target-jsonl", "upper")
    return [
        line
        for line in stderr.splitlines()
        if "Traceback" in line and not any(name in line for name in plugins)
    ]


def test_f10_sigterm_exits_143_at_once(pipeline_project: Path) -> None:
    code, stderr, took = signalled_run(pipeline_project, PLAIN, {}, signal.SIGTERM)
    print(f"F10 SIGTERM: exit {code} {took:.3f} s after the signal")
    assert code == ExitCode.TERMINATED
    assert took < 2.0
    assert run_records(pipeline_project)[0].payload["error"] == "The process was terminated"
    assert not own_traceback(stderr)


def test_f10_sigint_exits_130_at_once(pipeline_project: Path) -> None:
    code, stderr, took = signalled_run(pipeline_project, PLAIN, {}, signal.SIGINT)
    print(f"F10 SIGINT: exit {code} {took:.3f} s after the signal")
    assert code == ExitCode.INTERRUPTED
    assert took < 2.0
    assert run_records(pipeline_project)[0].payload["error"] == "The process was interrupted"
    assert not own_traceback(stderr)


@pytest.mark.parametrize(
    ("args", "stubborn"),
    [
        (PLAIN, {"TAP_COUNTER_IGNORE_SIGTERM": "true"}),
        (
            MAPPED,
            {
                "MAPPER_UPPER_IGNORE_SIGTERM": "true",
                "MAPPER_UPPER_SLEEP_AT": "2",
                "MAPPER_UPPER_SLEEP": "60",
            },
        ),
    ],
    ids=["tap", "mapper"],
)
def test_f10_f21_child_ignoring_sigterm_is_killed_after_grace(
    pipeline_project: Path, args: tuple[str, ...], stubborn: dict[str, str]
) -> None:
    code, stderr, took = signalled_run(pipeline_project, args, stubborn, signal.SIGTERM)
    print(f"F10 stubborn child ({stubborn}): exit {code} {took:.3f} s after SIGTERM")
    assert code == ExitCode.TERMINATED
    assert DEFAULT_GRACE_PERIOD - 0.5 < took < DEFAULT_GRACE_PERIOD + 2.0
    assert "ignored the request to stop and were killed" in stderr
    assert run_records(pipeline_project)[0].payload["error"] == "The process was terminated"


def test_f10_timeout_5(pipeline_project: Path) -> None:
    env = {"TAP_COUNTER_SLEEP_AT": "3", "TAP_COUNTER_SLEEP": "60"}
    done = meltano(
        pipeline_project, "run", "--timeout", "5", "tap-counter", "target-jsonl", env=env
    )
    print(f"F10 --timeout 5: exit {done.code} after {done.seconds:.3f} s")
    assert done.code == ExitCode.TIMED_OUT == 124  # as coreutils `timeout`
    assert "timed out" in done.stderr
    assert done.seconds < 5 + 2.0 + 1.0  # plus meltano's own start-up
    assert wait_for(lambda: not alive(pipeline_project), 2.0)
    record = run_records(pipeline_project)[0]
    assert record.state == "FAIL"
    assert "timed out" in record.payload["error"]
