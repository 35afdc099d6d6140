"""Exit codes of a pipeline's processes become one outcome that names who failed."""

from __future__ import annotations

import pytest

from meltano.core.errors import ExitCode
from meltano.core.processes.outcome import (
    OutputLineTooLongError,
    Overflow,
    PipelineError,
    PipelineInterruptedError,
    PipelineOutcome,
    PipelineTerminatedError,
    PipelineTimeoutError,
    ProcessResult,
    StopReason,
    exit_status,
    interpret,
)


def tap(code: int = 0, **kwargs: object) -> ProcessResult:
    return ProcessResult("tap-x", "extractor", code, **kwargs)  # type: ignore[arg-type]


def mapper(code: int = 0, **kwargs: object) -> ProcessResult:
    return ProcessResult("map-y", "mapper", code, **kwargs)  # type: ignore[arg-type]


def target(code: int = 0, **kwargs: object) -> ProcessResult:
    return ProcessResult("target-z", "loader", code, **kwargs)  # type: ignore[arg-type]


def test_all_zero_is_success() -> None:
    assert interpret([tap(), mapper(), target()]) is None


def test_failed_extractor_is_named_with_its_exit_code_and_stderr() -> None:
    error = interpret([tap(3, stderr_tail=("boom", "RuntimeError: x")), target()])
    assert error is not None
    assert error.reason == "Extractor tap-x failed with exit code 3"
    assert error.instruction is not None
    assert "    boom\n    RuntimeError: x" in error.instruction
    assert error.exit_code == ExitCode.FAILED


def test_tap_stopped_because_its_target_died_is_not_blamed() -> None:
    error = interpret([tap(-15, stopped=True), target(5, unread_input=True)])
    assert error is not None
    assert error.reason == "Loader target-z failed with exit code 5"
    assert "tap-x" not in (error.instruction or "")


def test_process_killed_by_a_signal_says_which() -> None:
    error = interpret([tap(-9), target()])
    assert error is not None
    assert error.reason == "Extractor tap-x was killed by signal 9 (SIGKILL)"


def test_target_that_exits_zero_without_reading_its_input_fails() -> None:
    error = interpret([tap(-15, stopped=True), target(0, unread_input=True)])
    assert error is not None
    assert error.reason == ("Loader target-z exited with code 0 before reading all of its input")


def test_several_failures_are_all_named_in_pipeline_order() -> None:
    error = interpret([tap(3), mapper(7), target(-9)])
    assert error is not None
    assert error.reason == (
        "Extractor tap-x failed with exit code 3, and mapper map-y failed with exit code 7, "
        "and loader target-z was killed by signal 9 (SIGKILL)"
    )


def test_failed_mapper_is_named_as_a_mapper() -> None:
    error = interpret([tap(-15, stopped=True), mapper(7, unread_input=True), target()])
    assert error is not None
    assert error.reason.startswith("Mapper map-y failed with exit code 7")


def test_missing_stderr_is_said_plainly() -> None:
    error = interpret([tap(), target(1)])
    assert error is not None
    assert "target-z wrote nothing on stderr" in (error.instruction or "")


def test_sigterm_to_us_is_a_terminated_run_even_though_plugins_exited_nonzero() -> None:
    error = interpret([tap(-15), target(-15)], stop=StopReason.TERMINATED)
    assert isinstance(error, PipelineTerminatedError)
    assert error.exit_code == ExitCode.TERMINATED
    assert error.reason == "The process was terminated"


def test_ctrl_c_is_an_interrupted_run() -> None:
    error = interpret([tap(-2), target(-2)], stop=StopReason.INTERRUPTED)
    assert isinstance(error, PipelineInterruptedError)
    assert error.exit_code == ExitCode.INTERRUPTED


def test_timeout_names_the_limit_and_the_plugins_that_needed_sigkill() -> None:
    error = interpret(
        [tap(-9, killed_after_grace=True), target(-15)], stop=StopReason.TIMEOUT, timeout=2.5
    )
    assert isinstance(error, PipelineTimeoutError)
    assert error.exit_code == ExitCode.TIMED_OUT  # 124, as coreutils `timeout`
    assert "2.5 seconds" in error.reason
    assert error.instruction == ("These plugins ignored the request to stop and were killed: tap-x")


def test_overlong_output_line_names_plugin_size_and_setting() -> None:
    error = interpret(
        [tap(-15, stopped=True), target(-15)],
        stop=StopReason.OUTPUT_TOO_LONG,
        overflow=Overflow(index=1, size=3000, limit=1000),
    )
    assert isinstance(error, OutputLineTooLongError)
    assert "loader target-z" in error.reason
    assert "3000 bytes" in error.reason
    assert "1000 bytes" in error.reason
    assert "elt.buffer_size" in (error.instruction or "")
    assert "6000" in (error.instruction or "")


def test_exit_status_is_shell_style() -> None:
    assert exit_status(0) == 0
    assert exit_status(3) == 3
    assert exit_status(-9) == 137
    assert exit_status(-15) == 143


def test_outcome_reports_exit_codes_and_raises_its_error() -> None:
    results = (tap(3), target())
    outcome = PipelineOutcome(results, interpret(results))
    assert not outcome.ok
    assert outcome.exit_codes == (3, 0)
    with pytest.raises(PipelineError) as raised:
        outcome.raise_error()
    assert raised.value is outcome.error
    assert PipelineOutcome((tap(),), None).ok
