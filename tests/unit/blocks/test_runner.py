"""How a block's end becomes a `BlockResult`: by the exception's type, never its text."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from meltano.core.blocks.history import RunHistory
from meltano.core.blocks.runner import (
    BlockResult,
    BlockRun,
    RunStatus,
    judged,
    record_error,
    status_of,
)
from meltano.core.blocks.state_io import CoalescingRecorder
from meltano.core.db.connect import open_url
from meltano.core.errors import MeltanoError
from meltano.core.processes.outcome import (
    OutputLineTooLongError,
    PipelineError,
    PipelineInterruptedError,
    PipelineOutcome,
    PipelineTerminatedError,
    PipelineTimeoutError,
    ProcessResult,
)
from meltano.core.state.backends.memory import MemoryBackend

TAP = ProcessResult("tap-x", "extractor", 0)
TARGET = ProcessResult("target-y", "loader", -15)


@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        (None, RunStatus.SUCCEEDED, None),
        # the record's text is fixed for a SIGTERM, whatever the error says
        (PipelineTerminatedError("Stopped", "x ignored it", ()), RunStatus.TERMINATED,
         "The process was terminated"),
        (PipelineInterruptedError("The process was interrupted", None, ()),
         RunStatus.INTERRUPTED, "The process was interrupted"),
        (KeyboardInterrupt(), RunStatus.INTERRUPTED, "The process was interrupted"),
        (PipelineTimeoutError("Run timed out", "Raise --timeout", ()), RunStatus.TIMED_OUT,
         "Run timed out. Raise --timeout"),
        (PipelineError("Loader target-y failed", "Last lines", ()), RunStatus.FAILED,
         "Loader target-y failed. Last lines"),
        (OutputLineTooLongError("Too long", None, ()), RunStatus.FAILED, "Too long"),
        (MeltanoError("Bad config", "Fix it"), RunStatus.FAILED, "Bad config"),
        (RuntimeError("a bug"), RunStatus.CRASHED, "The process ended unexpectedly"),
    ],
)  # fmt: skip
def test_status_and_record_text(
    error: BaseException | None, status: RunStatus, text: str | None
) -> None:
    assert status_of(error) is status
    assert record_error(status, error) == text


def test_a_text_that_mentions_termination_is_not_a_termination() -> None:
    error = MeltanoError("tap-x reported: connection terminated by peer")
    assert status_of(error) is RunStatus.FAILED
    assert record_error(RunStatus.FAILED, error) == error.reason


def test_judged_reports_success_with_each_plugins_exit_code() -> None:
    results: list[BlockResult] = []
    with judged(BlockRun(("tap-x", "target-y")), results.append) as run:
        run.pipeline = PipelineOutcome((TAP, ProcessResult("target-y", "loader", 0)), None)
    target = ProcessResult("target-y", "loader", 0)
    assert results == [BlockResult(("tap-x", "target-y"), RunStatus.SUCCEEDED, None, (TAP, target))]
    assert run.result is results[0] and run.result.ok
    assert run.result.exit_codes == (("tap-x", 0), ("target-y", 0))


def test_judged_reports_a_failure_and_lets_it_through() -> None:
    results: list[BlockResult] = []
    error = PipelineTerminatedError("The process was terminated", None, (TAP, TARGET))
    with pytest.raises(PipelineTerminatedError), judged(BlockRun(("a", "b")), results.append):
        raise error
    [result] = results
    assert (result.status, result.error) == (RunStatus.TERMINATED, "The process was terminated")
    assert result.exit_codes == (("tap-x", 0), ("target-y", 143))  # from the error's results
    assert not result.ok


def test_the_observer_sees_the_state_counts_while_the_run_record_is_open(tmp_path: Path) -> None:
    history = RunHistory(open_url(f"sqlite:///{tmp_path / 'meltano.db'}"))
    row = history.start("dev:tap-x-to-target-y", str(uuid.uuid4()), trigger="cli")
    seen: list[tuple[BlockResult, str]] = []

    def observe(result: BlockResult) -> None:
        seen.append((result, history.recent()[0].state))

    run = BlockRun(("tap-x", "target-y"), history=history, row=row)
    with pytest.raises(MeltanoError), judged(run, observe):
        run.recorder = CoalescingRecorder(MemoryBackend(), "id", complete=True, plugin="t")
        run.recorder.on_line(b'{"a": 1}')
        run.recorder.on_line(b'{"a": 2}')  # within the interval: coalesced, not yet stored
        raise MeltanoError("Loader target-y failed")
    [(result, state_then)] = seen
    assert (result.state_messages, result.state_writes) == (2, 1)
    assert state_then == "RUNNING"
    assert history.recent()[0].state == "FAIL"
    assert history.recent()[0].payload["error"] == "Loader target-y failed"
