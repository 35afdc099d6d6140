"""Fan-out pipelines through `processes.pipes`: one tap, several targets fed by a kernel copy."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest

from meltano.core.processes import tee
from meltano.core.processes.outcome import PipelineOutcome, PipelineTimeoutError
from meltano.core.processes.pipes import PluginCommand, run_pipeline

PLUGINS = Path(__file__).parent.parent / "plugins"
pytestmark = pytest.mark.skipif(not tee.is_available(), reason="tee(2) is Linux only")


def command(tmp_path: Path, name: str, script: str, **config: object) -> PluginCommand:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(config))
    argv = [sys.executable, str(PLUGINS / script), "--config", str(path)]
    return PluginCommand(name, argv, cwd=tmp_path)


def fan_out(
    commands: list[PluginCommand], loaders: int, *, grace: float = 5.0
) -> tuple[PipelineOutcome, list[list[bytes]]]:
    states: list[list[bytes]] = [[] for _ in range(loaders)]

    async def go() -> PipelineOutcome:
        return await asyncio.wait_for(
            run_pipeline(
                commands,
                on_state=[branch.append for branch in states],
                on_log=lambda _index, _line: None,
                grace_period=grace,
            ),
            60,
        )

    return asyncio.run(go()), states


def test_every_target_gets_every_byte(tmp_path: Path) -> None:
    tap = command(tmp_path, "tap-counter", "tap_counter.py", records=20_000, state_every=5000)
    targets = [
        command(tmp_path, f"target-{n}", "target_jsonl.py", path=f"out-{n}.jsonl", raw=True)
        for n in range(2)
    ]
    outcome, states = fan_out([tap, *targets], 2)
    assert outcome.ok, outcome.error
    alone = tmp_path / "alone.jsonl"
    with alone.open("wb") as file:
        import subprocess

        subprocess.run(tap.argv, stdout=file, check=True, cwd=tmp_path)
    expected = alone.read_bytes()
    assert len(expected) > 1_000_000
    for n in range(2):
        assert (tmp_path / f"out-{n}.jsonl").read_bytes() == expected
    assert states == [[], []]  # raw targets echo nothing
    assert [result.plugin_type for result in outcome.results] == ["extractor", "loader", "loader"]


def test_mapper_before_three_targets_and_their_states(tmp_path: Path) -> None:
    tap = command(tmp_path, "tap-counter", "tap_counter.py", records=30, state_every=10)
    mapper = command(tmp_path, "mapper-upper", "mapper_upper.py")
    targets = [
        command(tmp_path, f"target-{n}", "target_jsonl.py", path=f"out-{n}.jsonl") for n in range(3)
    ]
    outcome, states = fan_out([tap, mapper, *targets], 3)
    assert outcome.ok, outcome.error
    expected = [b'{"bookmarks": {"counter": {"id": %d}}}' % n for n in (10, 20, 30)]
    assert states == [expected] * 3
    outputs = {(tmp_path / f"out-{n}.jsonl").read_bytes() for n in range(3)}
    assert len(outputs) == 1
    assert outcome.results[1].plugin_type == "mapper"


def test_a_failing_target_stops_the_others_and_alone_is_blamed(tmp_path: Path) -> None:
    tap = command(tmp_path, "tap-counter", "tap_counter.py", records=200_000, state_every=1000)
    good = command(tmp_path, "target-good", "target_jsonl.py", path="good.jsonl")
    bad = command(tmp_path, "target-bad", "target_jsonl.py", path="bad.jsonl", exit_at=5000)
    outcome, states = fan_out([tap, good, bad], 2)
    assert outcome.error is not None
    assert outcome.error.reason == "Loader target-bad failed with exit code 5"
    tap_result, good_result, bad_result = outcome.results
    assert tap_result.stopped and good_result.stopped and not bad_result.stopped
    assert len(states[1]) == 4  # states up to record 4000; the good one may have more
    assert len(states[0]) < 200


def test_a_failing_first_target_stops_the_second(tmp_path: Path) -> None:
    tap = command(tmp_path, "tap-counter", "tap_counter.py", records=200_000, state_every=1000)
    bad = command(tmp_path, "target-bad", "target_jsonl.py", path="bad.jsonl", crash_at=3000)
    good = command(tmp_path, "target-good", "target_jsonl.py", path="good.jsonl")
    outcome, _ = fan_out([tap, bad, good], 2)
    assert outcome.error is not None
    assert outcome.error.reason == "Loader target-bad failed with exit code 1"
    assert outcome.results[2].stopped


def test_a_failing_tap_ends_every_target_cleanly(tmp_path: Path) -> None:
    tap = command(
        tmp_path, "tap-counter", "tap_counter.py", records=100, state_every=10, exit_at=55
    )
    targets = [
        command(tmp_path, f"target-{n}", "target_jsonl.py", path=f"out-{n}.jsonl") for n in range(2)
    ]
    outcome, states = fan_out([tap, *targets], 2)
    assert outcome.error is not None
    assert outcome.error.reason == "Extractor tap-counter failed with exit code 3"
    assert [result.returncode for result in outcome.results[1:]] == [0, 0]
    assert [len(branch) for branch in states] == [5, 5]


def test_timeout_stops_a_copy_waiting_for_input(tmp_path: Path) -> None:
    tap = command(tmp_path, "tap-counter", "tap_counter.py", records=10, sleep_at=3, sleep=60)
    targets = [
        command(tmp_path, f"target-{n}", "target_jsonl.py", path=f"out-{n}.jsonl") for n in range(2)
    ]
    states: list[list[bytes]] = [[], []]

    async def go() -> PipelineOutcome:
        return await run_pipeline(
            [tap, *targets],
            on_state=[branch.append for branch in states],
            on_log=lambda _index, _line: None,
            timeout=1.0,
            grace_period=1.0,
        )

    started = time.monotonic()
    outcome = asyncio.run(asyncio.wait_for(go(), 30))
    assert isinstance(outcome.error, PipelineTimeoutError)
    assert time.monotonic() - started < 15
    assert all(result.returncode != 0 for result in outcome.results)


def test_a_loader_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    tap = command(tmp_path, "tap-counter", "tap_counter.py", records=200_000, state_every=1000)
    stubborn = command(
        tmp_path, "target-stubborn", "target_jsonl.py", path="s.jsonl", ignore_sigterm=True
    )
    bad = command(tmp_path, "target-bad", "target_jsonl.py", path="bad.jsonl", exit_at=100)
    outcome, _ = fan_out([tap, stubborn, bad], 2, grace=1.0)
    assert outcome.error is not None
    assert outcome.error.reason.startswith("Loader target-bad failed with exit code 5")
    assert outcome.results[1].stopped
