from __future__ import annotations

import pytest

from meltano.core.blocks.parse import BlockParseError
from meltano.core.blocks.retry import RetryOptionError, RetryPolicy, is_retryable, with_retries
from meltano.core.errors import MeltanoError
from meltano.core.processes.outcome import (
    OutputLineTooLongError,
    PipelineError,
    PipelineInterruptedError,
    PipelineTerminatedError,
    PipelineTimeoutError,
    ProcessResult,
)

FAILED = (ProcessResult("tap-x", "extractor", 1),)


def plugin_failed() -> PipelineError:
    return PipelineError("Extractor tap-x failed with exit code 1", None, FAILED)


def test_the_wait_doubles_is_capped_and_jittered_between_half_and_all() -> None:
    policy = RetryPolicy(retries=10, delay=2, max_delay=30)
    assert [policy.delay_before(n, lambda: 1.0) for n in range(1, 6)] == [2, 4, 8, 16, 30]
    assert [policy.delay_before(n, lambda: 0.0) for n in range(1, 6)] == [1, 2, 4, 8, 15]
    assert policy.delay_before(3, lambda: 0.5) == 6


def test_only_a_failed_plugin_is_retried() -> None:
    assert is_retryable(plugin_failed())
    for final in (
        PipelineTerminatedError("The process was terminated", None, FAILED),
        PipelineInterruptedError("The process was interrupted", None, FAILED),
        PipelineTimeoutError("The run took longer than 5 seconds", None, FAILED),
        OutputLineTooLongError("A line is too long", None, FAILED),
        MeltanoError("Setting 'records' is not an integer"),
        BlockParseError("Block tap-y not found"),
        KeyboardInterrupt(),
        ValueError("a bug"),
    ):
        assert not is_retryable(final), final


def test_a_failing_set_is_attempted_retries_plus_one_times() -> None:
    attempts: list[int] = []
    waits: list[float] = []

    def attempt(number: int) -> str:
        attempts.append(number)
        raise plugin_failed()

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return False

    policy = RetryPolicy(retries=2, delay=1)
    with pytest.raises(PipelineError):
        with_retries(attempt, policy, name="tap-x target-y", wait=wait, draw=lambda: 1.0)
    assert attempts == [1, 2, 3]
    assert waits == [1, 2]


def test_the_first_success_ends_the_retries() -> None:
    def attempt(number: int) -> int:
        if number < 2:
            raise plugin_failed()
        return number

    result = with_retries(attempt, RetryPolicy(retries=5, delay=0), name="s", wait=lambda _: False)
    assert result == 2


def test_a_usage_error_is_raised_at_once() -> None:
    attempts: list[int] = []

    def attempt(number: int) -> None:
        attempts.append(number)
        raise MeltanoError("Plugin tap-y is not installed")

    with pytest.raises(MeltanoError, match="not installed"):
        with_retries(attempt, RetryPolicy(retries=3), name="s", wait=lambda _: False)
    assert attempts == [1]


def test_a_stop_during_the_wait_raises_the_last_error() -> None:
    attempts: list[int] = []

    def attempt(number: int) -> None:
        attempts.append(number)
        raise plugin_failed()

    with pytest.raises(PipelineError):
        with_retries(attempt, RetryPolicy(retries=3), name="s", wait=lambda _: True)
    assert attempts == [1]


@pytest.mark.parametrize(("retries", "delay"), [(-1, 1.0), (1, -0.5)])
def test_negative_retries_or_delays_are_refused(retries: int, delay: float) -> None:
    with pytest.raises(RetryOptionError):
        RetryPolicy(retries=retries, delay=delay)
