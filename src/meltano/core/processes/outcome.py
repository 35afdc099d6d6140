"""Turn the exit codes of a pipeline's processes into one outcome that names who failed.

Pure functions and values only: `pipes.py` collects the facts, `interpret` judges them.
"""

from __future__ import annotations

import enum
import signal
from collections.abc import Sequence
from dataclasses import dataclass

from meltano.core.errors import ExitCode, MeltanoError


class StopReason(enum.Enum):
    """Why we stopped a pipeline ourselves, before its processes finished on their own."""

    TIMEOUT = "timed out"
    TERMINATED = "terminated"  # SIGTERM to our process
    INTERRUPTED = "interrupted"  # SIGINT (Ctrl-C) to our process
    OUTPUT_TOO_LONG = "output line too long"


@dataclass(frozen=True)
class ProcessResult:
    """How one plugin process of a pipeline ended."""

    name: str
    plugin_type: str  # "extractor", "mapper", "loader", "utility", ...
    returncode: int  # negative: killed by that signal, as `subprocess` reports it
    stopped: bool = False  # we stopped it because the process it wrote to had ended
    unread_input: bool = False  # it exited while its input still had data or a writer
    killed_after_grace: bool = False  # it ignored SIGTERM/SIGINT and got SIGKILL
    stderr_tail: tuple[str, ...] = ()

    @property
    def signal(self) -> int | None:
        """The signal that killed the process, if one did."""
        return -self.returncode if self.returncode < 0 else None

    @property
    def failed(self) -> bool:
        """Whether this process is to blame for a failed pipeline."""
        return not self.stopped and (self.returncode != 0 or self.unread_input)


@dataclass(frozen=True)
class Overflow:
    """A line on the last plugin's stdout that was longer than we accept."""

    index: int  # which process wrote it
    size: int  # bytes seen so far: at least this long
    limit: int


class PipelineError(MeltanoError):
    """A pipeline failed; `results` says how each of its processes ended."""

    def __init__(
        self, reason: str, instruction: str | None, results: Sequence[ProcessResult]
    ) -> None:
        super().__init__(reason, instruction)
        self.results = tuple(results)


class PipelineTerminatedError(PipelineError):
    """Our process got SIGTERM; the run was stopped (exit code 143)."""

    exit_code = ExitCode.TERMINATED


class PipelineInterruptedError(PipelineError):
    """Our process got SIGINT (Ctrl-C); the run was stopped (exit code 130)."""

    exit_code = ExitCode.INTERRUPTED


class PipelineTimeoutError(PipelineError):
    """The run took longer than its timeout and was stopped (exit code 124)."""

    exit_code = ExitCode.TIMED_OUT


class OutputLineTooLongError(PipelineError):
    """A plugin wrote a line on stdout longer than `elt.buffer_size` allows."""


def interpret(
    results: Sequence[ProcessResult],
    *,
    stop: StopReason | None = None,
    timeout: float | None = None,
    overflow: Overflow | None = None,
) -> PipelineError | None:
    """Return the error a pipeline ended with, or None when every process did its job."""
    if stop is StopReason.OUTPUT_TOO_LONG and overflow is not None:
        return _overflow_error(results, overflow)
    if stop is not None:
        return _stop_error(results, stop, timeout)
    failed = [result for result in results if result.failed]
    if not failed:
        return None
    reason = ", and ".join(describe(result) for result in failed)
    reason = reason[0].upper() + reason[1:]
    return PipelineError(reason, _tail_instruction(failed), results)


def describe(result: ProcessResult) -> str:
    """Say how one process ended, naming it: 'extractor tap-x failed with exit code 3'."""
    who = f"{result.plugin_type} {result.name}"
    if result.signal is not None:
        how = f"was killed by signal {result.signal}{_signal_name(result.signal)}"
    elif result.returncode != 0:
        how = f"failed with exit code {result.returncode}"
    else:
        how = "exited with code 0 before reading all of its input"
    return f"{who} {how}"


def exit_status(returncode: int) -> int:
    """A shell-style exit status: the exit code, or 128 + the signal that killed the process."""
    return 128 - returncode if returncode < 0 else returncode


def _stop_error(
    results: Sequence[ProcessResult], stop: StopReason, timeout: float | None
) -> PipelineError:
    stubborn = [result.name for result in results if result.killed_after_grace]
    instruction = (
        f"These plugins ignored the request to stop and were killed: {', '.join(stubborn)}"
        if stubborn
        else None
    )
    if stop is StopReason.TERMINATED:
        return PipelineTerminatedError("The process was terminated", instruction, results)
    if stop is StopReason.INTERRUPTED:
        return PipelineInterruptedError("The process was interrupted", instruction, results)
    limit = f" of {timeout:g} seconds" if timeout is not None else ""
    return PipelineTimeoutError(
        f"Run timed out: it took longer than its timeout{limit}",
        instruction or "Raise `--timeout`, or find out why a plugin is slow in the log above",
        results,
    )


def _overflow_error(results: Sequence[ProcessResult], overflow: Overflow) -> PipelineError:
    writer = results[overflow.index]
    return OutputLineTooLongError(
        f"The {writer.plugin_type} {writer.name} wrote a line of at least {overflow.size} bytes "
        f"on stdout, more than the limit of {overflow.limit} bytes (half of `elt.buffer_size`)",
        f"Set `elt.buffer_size` (MELTANO_ELT_BUFFER_SIZE) to at least {2 * overflow.size} bytes, "
        "twice the longest line",
        results,
    )


def _tail_instruction(failed: Sequence[ProcessResult]) -> str:
    parts = []
    for result in failed:
        if result.stderr_tail:
            lines = "\n".join(f"    {line}" for line in result.stderr_tail)
            parts.append(f"Last lines {result.name} wrote on stderr:\n{lines}")
        else:
            parts.append(f"{result.name} wrote nothing on stderr")
    return "\n".join(parts) + "\nSee the full plugin output in the log"


def _signal_name(number: int) -> str:
    try:
        return f" ({signal.Signals(number).name})"
    except ValueError:
        return ""


@dataclass(frozen=True)
class PipelineOutcome:
    """What a pipeline run produced: how each process ended, and the error if it failed."""

    results: tuple[ProcessResult, ...]
    error: PipelineError | None

    @property
    def ok(self) -> bool:
        """Whether the pipeline succeeded."""
        return self.error is None

    @property
    def exit_codes(self) -> tuple[int, ...]:
        """Each process's exit code, shell-style (128 + N when killed by signal N)."""
        return tuple(exit_status(result.returncode) for result in self.results)

    def raise_error(self) -> None:
        """Raise the pipeline's error, if it failed."""
        if self.error is not None:
            raise self.error
