"""How a block's end becomes a `BlockResult`: by the exception's type, never its text."""

from __future__ import annotations

import pytest

from meltano.core.blocks.runner import (
    BlockResult,
    BlockRun,
    RunStatus,
    judged,
    record_error,
    status_of,
)
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
    assert results == [
        BlockResult(
            ("tap-x", "target-y"), RunStatus.SUCCEEDED, None, (("tap-x", 0), ("target-y", 0))
        )
    ]
    assert run.result is results[0] and run.result.ok


def test_judged_reports_a_failure_and_lets_it_through() -> None:
    results: list[BlockResult] = []
    error = PipelineTerminatedError("The process was terminated", None, (TAP, TARGET))
    with pytest.raises(PipelineTerminatedError), judged(BlockRun(("a", "b")), results.append):
        raise error
    [result] = results
    assert (result.status, result.error) == (RunStatus.TERMINATED, "The process was terminated")
    assert result.exit_codes == (("tap-x", 0), ("target-y", 143))  # from the error's results
    assert not result.ok
