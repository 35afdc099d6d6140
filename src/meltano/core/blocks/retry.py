"""Retries of a failed block set: which failures deserve one, and how long to wait.

A retry reruns the set from the state it committed (its recorder saves what the loader
confirmed on every exit), so no committed work is repeated. Only a plugin that failed is
retried: a usage error (bad config, a missing plugin, a held lock) fails the same way again,
and Ctrl-C, SIGTERM or `--timeout` mean "stop", not "try again".
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.processes.outcome import (
    OutputLineTooLongError,
    PipelineError,
    PipelineInterruptedError,
    PipelineTerminatedError,
    PipelineTimeoutError,
)
from meltano.core.settings.project_settings import get_setting

if TYPE_CHECKING:
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")

Result = TypeVar("Result")

#: The longest wait between two attempts, whatever the number of retries.
MAX_DELAY_SECONDS = 300.0

_FINAL = (
    PipelineTerminatedError,
    PipelineInterruptedError,
    PipelineTimeoutError,
    OutputLineTooLongError,  # the same line is as long the next time
)


class RetryOptionError(MeltanoError):
    """`--retries`, `--retry-delay`, `run.retries` or a job's `retries` is not usable."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failed block set is run again, and the base of the wait between attempts."""

    retries: int = 0
    delay: float = 1.0  # seconds before the first retry; doubled for each one after it
    max_delay: float = MAX_DELAY_SECONDS

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise RetryOptionError(
                f"The number of retries is {self.retries}", "Give 0 or more retries"
            )
        if self.delay < 0:
            raise RetryOptionError(
                f"The retry delay is {self.delay} seconds", "Give a delay of 0 or more seconds"
            )

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def delay_before(self, retry: int, draw: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number `retry` (1 for the first).

        Exponential (`delay * 2**(retry-1)`), capped at `max_delay`, then jittered to between
        half and all of that, so sets that failed together do not retry in lockstep.
        """
        ceiling = min(self.max_delay, self.delay * 2.0 ** (retry - 1))
        return ceiling / 2 + draw() * ceiling / 2


def policy_for(
    project: Project, *, retries: int | None, delay: float | None, job_retries: int | None = None
) -> RetryPolicy:
    """The retries of one invocation: `--retries`/`--retry-delay`, else the job's `retries`,
    else the `run.retries`/`run.retry_delay` settings, else none."""
    if retries is None:
        retries = job_retries
    if retries is None:
        retries = get_setting(project, "run.retries")
    if delay is None:
        delay = get_setting(project, "run.retry_delay")
    return RetryPolicy(retries=int(retries or 0), delay=1.0 if delay is None else float(delay))


def is_retryable(error: BaseException) -> bool:
    """Whether running the set again can help: only when one of its plugins failed."""
    return isinstance(error, PipelineError) and not isinstance(error, _FINAL)


def with_retries(
    attempt: Callable[[int], Result],
    policy: RetryPolicy,
    *,
    name: str,
    wait: Callable[[float], bool] | None = None,
    draw: Callable[[], float] = random.random,
) -> Result:
    """Call `attempt(number)` (1, 2, ...) until it returns or fails for good.

    An error that is not retryable, or the last attempt's error, is raised as it is.
    `wait(seconds)` sleeps between attempts and returns True if woken by a stop (Ctrl-C,
    SIGTERM, `--fail-fast`): then the last error is raised instead of trying again.
    """
    number = 1
    while True:
        try:
            return attempt(number)
        except BaseException as error:
            if number >= policy.attempts or not is_retryable(error):
                raise
            seconds = policy.delay_before(number, draw)
            log.warning(
                "block set failed, retrying",
                block_set=name,
                attempt=number,
                attempts=policy.attempts,
                retry_in_seconds=round(seconds, 3),
                error=error.reason if isinstance(error, MeltanoError) else str(error),
            )
            if (wait or _sleep)(seconds):
                raise
            number += 1


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False
