"""F6, F7, F17: runs started at the same moment, many times over."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import (
    STATE_ID,
    add_to_meltano_yml,
    bookmark,
    finish,
    ids,
    rows,
    start,
    wait_for,
)

pytestmark = pytest.mark.slow

PLAIN = ("run", "tap-counter", "target-jsonl")
ROUNDS_F6 = 10
RUNS_F6 = 20
ROUNDS_F7 = 50


def refusals(processes: list, began: float, count: int) -> dict[int, float] | None:
    """Poll until `count` processes exited; each one's seconds from launch, None on timeout."""
    exited: dict[int, float] = {}

    def enough() -> bool:
        for index, process in enumerate(processes):
            if index not in exited and process.poll() is not None:
                exited[index] = time.monotonic() - began
        return len(exited) >= count

    return exited if wait_for(enough, 60, step=0.005) else None


def herd_startup(project: Path, count: int) -> float:
    """Median seconds `count` simultaneous `meltano run --dry-run` take, launch to exit.

    A dry run does everything a refused run does before the lock (start Python, load the
    project, parse the blocks) and takes no lock, so it is the fair baseline: the refusal
    itself must add little on top of it, whatever the machine's load.
    """
    began = time.monotonic()
    processes = [
        start(project, "run", "--dry-run", *PLAIN[1:], log_level="warning") for _ in range(count)
    ]
    exited = refusals(processes, began, count)
    assert exited is not None
    for process in processes:
        process.communicate(timeout=10)
    return sorted(exited.values())[count // 2]


def test_f6_twenty_simultaneous_runs_let_exactly_one_through(
    pipeline_project: Path, cleanup: list
) -> None:
    release = pipeline_project / "release"
    refusal_times: list[float] = []
    for round_number in range(1, ROUNDS_F6 + 1):
        release.unlink(missing_ok=True)
        env = {
            "TAP_COUNTER_RECORDS": str(3 * round_number),
            "TAP_COUNTER_WAIT_FILE": str(release),  # the winner holds its lock until we say
        }
        began = time.monotonic()
        processes = [
            start(pipeline_project, *PLAIN, env=env, log_level="warning") for _ in range(RUNS_F6)
        ]
        cleanup.extend(processes)
        exited = refusals(processes, began, RUNS_F6 - 1)
        assert exited is not None, f"round {round_number}: refused runs still waiting"
        refusal_times.extend(exited.values())
        release.touch()
        results = [finish(process, began) for process in processes]
        codes = sorted(result.code for result in results)
        assert codes == [0] + [ExitCode.ALREADY_RUNNING] * (RUNS_F6 - 1), (
            round_number,
            [r.stderr[-300:] for r in results if r.code not in (0, 75)],
        )
        refused = [r for r in results if r.code == ExitCode.ALREADY_RUNNING]
        assert all("already running" in r.stderr for r in refused)
    refusal_times.sort()
    median, slowest = refusal_times[len(refusal_times) // 2], refusal_times[-1]
    print(
        f"F6 {ROUNDS_F6} rounds of {RUNS_F6}: exactly one run each; {len(refusal_times)} "
        f"refused runs exited {median:.2f} s (median), {slowest:.2f} s (slowest) after launch"
    )
    assert ids(pipeline_project) == list(range(1, 3 * ROUNDS_F6 + 1))  # no duplicate, none lost
    assert bookmark(pipeline_project) == 3 * ROUNDS_F6
    # Launch to exit includes starting 20 meltano processes at once on a machine that may be
    # busy; what the refusal adds on top of that start-up must stay under 3 s.
    startup = herd_startup(pipeline_project, RUNS_F6)
    print(f"F6 (20 simultaneous `meltano run --dry-run` took {startup:.2f} s, median)")
    assert median < startup + 3.0
    assert slowest < startup + 6.0


def test_f7_one_tap_into_two_targets_fifty_times(pipeline_project: Path, cleanup: list) -> None:
    add_to_meltano_yml(
        pipeline_project,
        "  mappers:",
        "  - name: target-b\n    inherit_from: target-jsonl\n    config:\n"
        "      path: $MELTANO_PROJECT_ROOT/output/b.jsonl\n  mappers:",
    )
    succeeded = 0
    for round_number in range(ROUNDS_F7):
        began = time.monotonic()
        pair = [
            start(
                pipeline_project,
                "run",
                "--full-refresh",
                "tap-counter",
                target,
                log_level="warning",
            )
            for target in ("target-jsonl", "target-b")
        ]
        cleanup.extend(pair)
        results = [finish(process, began) for process in pair]
        assert [r.code for r in results] == [0, 0], (
            round_number,
            results[0].stderr[-500:],
            results[1].stderr[-500:],
        )
        succeeded += 1
    print(f"F7 {succeeded} of {ROUNDS_F7} rounds of one tap into two targets succeeded")
    assert len(ids(pipeline_project)) == 6 * ROUNDS_F7
    b_rows = (pipeline_project / "output" / "b.jsonl").read_text().count('"RECORD"')
    assert b_rows == 6 * ROUNDS_F7
    assert bookmark(pipeline_project) == 6
    assert bookmark(pipeline_project, "dev:tap-counter-to-target-b") == 6


def test_f17_eight_pipelines_with_state_on_every_record(
    pipeline_project: Path, cleanup: list
) -> None:
    env = {
        "TAP_COUNTER_RECORDS": "3000",
        "TAP_COUNTER_STATE_EVERY": "1",
        "TAP_COUNTER_RECORD_DELAY": "0.0005",
    }
    began = time.monotonic()
    processes = [
        start(pipeline_project, "run", "--state-id-suffix", f"p{n}", *PLAIN[1:], env=env)
        for n in range(8)
    ]
    cleanup.extend(processes)
    results = [finish(process, began, timeout=120) for process in processes]
    took = time.monotonic() - began
    for result in results:
        assert result.code == 0, result.stderr[-1000:]
        assert "database is locked" not in result.stderr
    states = [bookmark(pipeline_project, f"{STATE_ID}:p{n}") for n in range(8)]
    print(f"F17 8 pipelines with STATE on every record: {took:.2f} s, final states {states}")
    assert states == [3000] * 8
    assert len(rows(pipeline_project)) == 8 * 3000
