"""`meltano run --parallel N`: independent block sets of one plan, up to N at a time.

A plan splits into block sets: each extract-load set with the command blocks written after it
(`tap-a target-a dbt:run` stays in order), plus the command blocks before the first set, which
run first, on their own (`dbt:deps` before every load). Sets run in worker threads, each with
its own state ID, lock, run record and log file; the main thread only waits and relays
SIGINT/SIGTERM to every set's plugins (processes/children.py). One failing set does not stop
the others unless `fail_fast`; a stop (a signal, or fail-fast) starts no further set.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, TypeVar

import structlog

from meltano.core.blocks.parse import Block, CommandBlock, ExtractLoad
from meltano.core.blocks.runner import Runner, step_of
from meltano.core.errors import MeltanoError
from meltano.core.processes import children
from meltano.core.processes.outcome import PipelineInterruptedError, PipelineTerminatedError
from meltano.core.runs.progress import Progress

if TYPE_CHECKING:
    from meltano.core.blocks.runner import RunOptions
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")

Unit = TypeVar("Unit")

#: How often the waiting main thread wakes up (signals interrupt the wait anyway).
POLL_SECONDS = 0.5


class SharedStateIdError(MeltanoError):
    """Two block sets of one parallel run would write the same state ID."""

    def __init__(self, state_id: str, first: str, second: str) -> None:
        super().__init__(
            f"The block sets '{first}' and '{second}' both use the state ID '{state_id}', so "
            "they cannot run side by side",
            "Run them in separate invocations, or give one of them its own loader",
        )


@dataclass(frozen=True)
class BlockSet:
    """An extract-load set and the command blocks that follow it, run in order."""

    blocks: tuple[Block, ...]

    @property
    def extract_load(self) -> ExtractLoad | None:
        return next((b for b in self.blocks if isinstance(b, ExtractLoad)), None)

    def __str__(self) -> str:
        return " ".join(_names(block) for block in self.blocks)


def split_plan(plan: Sequence[Block]) -> tuple[tuple[CommandBlock, ...], tuple[BlockSet, ...]]:
    """The command blocks before the first extract-load set, and the block sets after them."""
    leading: list[CommandBlock] = []
    sets: list[list[Block]] = []
    for block in plan:
        if isinstance(block, ExtractLoad):
            sets.append([block])
        elif sets:
            sets[-1].append(block)
        else:
            leading.append(block)
    return tuple(leading), tuple(BlockSet(tuple(blocks)) for blocks in sets)


def check_state_ids(named: Sequence[tuple[str, str]]) -> None:
    """Refuse, before anything starts, two sets (name, state ID) that share a state ID."""
    seen: dict[str, str] = {}
    for name, state_id in named:
        if state_id in seen:
            raise SharedStateIdError(state_id, seen[state_id], name)
        seen[state_id] = name


@dataclass(frozen=True)
class Outcome(Generic[Unit]):
    """How one unit ended: its error (None: it succeeded), or never started."""

    unit: Unit
    started: bool
    error: BaseException | None = None

    @property
    def succeeded(self) -> bool:
        return self.started and self.error is None


@dataclass(frozen=True)
class Stop:
    """Why a parallel run stopped early: the signal received, or None for fail-fast."""

    signum: int | None


def run_side_by_side(
    units: Sequence[Unit],
    run: Callable[[Unit, threading.Event], None],
    *,
    limit: int,
    fail_fast: bool = False,
) -> tuple[list[Outcome[Unit]], Stop | None]:
    """Run `run(unit, stopping)` for each unit, at most `limit` at once, in the given order.

    `stopping` is set once the run stops early: waits inside a unit (between retries) should
    end then. Returns each unit's outcome, in the units' order, and why the run stopped early.
    """
    stopping = threading.Event()
    stop: list[Stop] = []

    def on_signal(signum: int) -> None:
        if not stop:
            stop.append(Stop(signum))
        stopping.set()

    outcomes: dict[int, Outcome[Unit]] = {}
    with (
        children.relayed_signals(on_signal) as relay,
        ThreadPoolExecutor(max_workers=limit, thread_name_prefix="block-set") as pool,
    ):
        running: dict[Future[None], int] = {}
        waiting = list(range(len(units)))

        def start_more() -> None:
            while waiting and len(running) < limit and not stopping.is_set():
                index = waiting.pop(0)
                running[pool.submit(run, units[index], stopping)] = index

        start_more()
        while running:
            done, _ = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                error = future.exception()
                outcomes[index] = Outcome(units[index], started=True, error=error)
                if error is not None and fail_fast and not stopping.is_set():
                    stop.append(Stop(None))
                    stopping.set()
                    relay.deliver(signal.SIGTERM)  # the other sets' plugins stop as on SIGTERM
            start_more()
    for index in waiting:
        outcomes[index] = Outcome(units[index], started=False)
    return [outcomes[index] for index in range(len(units))], (stop[0] if stop else None)


def _names(block: Block) -> str:
    if isinstance(block, ExtractLoad):
        return " ".join(str(ref) for ref in block.blocks)
    return str(block.plugin)


class ParallelRunFailedError(MeltanoError):
    """Several block sets of a parallel run failed."""

    def __init__(self, failed: Sequence[tuple[str, BaseException]], total: int) -> None:
        lines = "; ".join(f"'{name}': {_reason(error)}" for name, error in failed)
        super().__init__(
            f"{len(failed)} of {total} block sets failed: {lines}",
            "Each set's log is listed by `meltano logs list`; rerun the failed sets",
        )


def run_in_parallel(
    project: Project,
    options: RunOptions,
    plan: Sequence[Block],
    *,
    limit: int,
    fail_fast: bool,
    progress: Progress | None = None,
) -> None:
    """Run the plan's leading command blocks, then its block sets up to `limit` at once.

    `progress` (what the live view and the summary read) gets one part per block set."""
    progress = progress or Progress()
    leading, sets = split_plan(plan)
    if options.dry_run or len(sets) < 2:  # nothing runs side by side
        Runner(project, options, progress=progress).run(plan)
        return
    if options.run_id:
        raise MeltanoError(
            "--run-id names one run, and a parallel run records one per block set",
            "Drop --run-id, or run without --parallel",
        )
    probe = Runner(project, options, progress=progress)
    check_state_ids(
        [
            (str(block_set), probe.state_id(el))
            for block_set in sets
            if (el := block_set.extract_load)
        ]
    )
    parts = {  # by identity: each set object of this plan once
        id(block_set): progress.part(str(block_set), [step_of(block) for block in block_set.blocks])
        for block_set in sets
    }
    if leading:
        probe.run(leading)

    def run_set(block_set: BlockSet, stopping: threading.Event) -> None:
        structlog.contextvars.bind_contextvars(block_set=str(block_set))
        try:
            Runner(
                project, replace(options, retry_wait=stopping.wait), progress=parts[id(block_set)]
            ).run(block_set.blocks)
        finally:
            structlog.contextvars.unbind_contextvars("block_set")

    log.info("running block sets in parallel", block_sets=len(sets), parallel=limit)
    outcomes, stop = run_side_by_side(sets, run_set, limit=limit, fail_fast=fail_fast)
    for outcome in outcomes:
        status = "success" if outcome.succeeded else "failed" if outcome.started else "not started"
        log.log(
            logging.INFO if outcome.succeeded else logging.ERROR,
            "block set finished" if outcome.started else "block set not started",
            block_set=str(outcome.unit),
            status=status,
            **({"error": _reason(outcome.error)} if outcome.error is not None else {}),
        )
    if stop is not None and stop.signum is not None:
        raise _stopped_error(outcomes, stop.signum)
    failed = [
        (str(o.unit), o.error)
        for o in outcomes
        if o.error is not None and not isinstance(o.error, PipelineTerminatedError)
    ]
    if len(failed) == 1:
        raise failed[0][1]
    if failed:
        raise ParallelRunFailedError(failed, len(sets))


def _stopped_error(outcomes: Sequence[Outcome[BlockSet]], signum: int) -> BaseException:
    wanted = PipelineInterruptedError if signum == signal.SIGINT else PipelineTerminatedError
    found = next((o.error for o in outcomes if isinstance(o.error, wanted)), None)
    if found is not None:
        return found
    if signum == signal.SIGINT:
        return PipelineInterruptedError("The process was interrupted", None, ())
    return PipelineTerminatedError("The process was terminated", None, ())


def _reason(error: BaseException) -> str:
    return error.reason if isinstance(error, MeltanoError) else f"{type(error).__name__}: {error}"
