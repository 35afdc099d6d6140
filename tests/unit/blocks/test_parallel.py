from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from meltano.core.blocks.parallel import (
    BlockSet,
    SharedStateIdError,
    check_state_ids,
    run_side_by_side,
    split_plan,
)
from meltano.core.blocks.parse import BlockRef, CommandBlock, ExtractLoad
from meltano.core.plugins.types import PluginType


def el(tap: str, target: str) -> ExtractLoad:
    return ExtractLoad(BlockRef(tap, PluginType.EXTRACTORS), BlockRef(target, PluginType.LOADERS))


def command(name: str, cmd: str | None = None) -> CommandBlock:
    return CommandBlock(BlockRef(name, PluginType.UTILITIES, cmd))


def test_a_plan_splits_into_sets_with_their_following_commands() -> None:
    plan = [
        command("dbt", "deps"),
        el("tap-a", "target-a"),
        command("dbt", "run"),
        el("tap-b", "target-b"),
        el("tap-c", "target-c"),
        command("util"),
    ]
    leading, sets = split_plan(plan)
    assert leading == (command("dbt", "deps"),)
    assert [str(s) for s in sets] == [
        "tap-a target-a dbt:run",
        "tap-b target-b",
        "tap-c target-c util",
    ]
    assert sets[0].extract_load == el("tap-a", "target-a")


def test_a_plan_of_commands_only_has_no_sets() -> None:
    assert split_plan([command("util")]) == ((command("util"),), ())
    assert BlockSet((command("util"),)).extract_load is None


def test_two_sets_sharing_a_state_id_are_refused() -> None:
    check_state_ids([("tap-a target-a", "dev:a"), ("tap-b target-b", "dev:b")])
    with pytest.raises(SharedStateIdError) as refused:
        check_state_ids([("tap-a target-a", "dev:a"), ("tap-a target-a dbt:run", "dev:a")])
    assert "'dev:a'" in refused.value.reason


def test_no_more_than_limit_units_run_at_once_and_a_failure_stops_none() -> None:
    lock = threading.Lock()
    now = [0]
    peak = [0]

    def run(unit: int, stopping: threading.Event) -> None:
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.05)
        with lock:
            now[0] -= 1
        if unit == 1:
            raise RuntimeError("set 1 failed")

    outcomes, stop = run_side_by_side(list(range(7)), run, limit=3)
    assert peak[0] == 3
    assert stop is None
    assert [o.unit for o in outcomes] == list(range(7))
    assert [o.succeeded for o in outcomes] == [True, False, True, True, True, True, True]
    assert str(outcomes[1].error) == "set 1 failed"


def test_fail_fast_starts_nothing_more_and_tells_the_running_to_stop() -> None:
    stopped: list[int] = []

    def run(unit: int, stopping: threading.Event) -> None:
        if unit == 0:
            raise RuntimeError("first failed")
        if stopping.wait(5):
            stopped.append(unit)

    outcomes, stop = run_side_by_side(list(range(5)), run, limit=2, fail_fast=True)
    assert stop is not None and stop.signum is None
    assert [o.started for o in outcomes] == [True, True, False, False, False]
    assert stopped == [1]


def test_sigterm_stops_the_run_and_starts_nothing_more() -> None:
    both_started = threading.Barrier(2)

    def run(unit: int, stopping: threading.Event) -> None:
        both_started.wait(5)
        if unit == 0:
            os.kill(os.getpid(), signal.SIGTERM)
        assert stopping.wait(5)

    before = signal.getsignal(signal.SIGTERM)
    outcomes, stop = run_side_by_side(list(range(4)), run, limit=2)
    assert stop is not None and stop.signum == signal.SIGTERM
    assert [o.started for o in outcomes] == [True, True, False, False]
    assert all(o.error is None for o in outcomes if o.started)
    assert signal.getsignal(signal.SIGTERM) is before
