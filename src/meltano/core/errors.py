"""The one error type users see, and the exit codes it maps to."""

from __future__ import annotations

import difflib
import enum
import errno
from collections.abc import Iterable
from typing import ClassVar


class ExitCode(enum.IntEnum):
    """Process exit codes, as Meltano documents them."""

    OK = 0
    FAILED = 1
    USAGE = 2
    VERSION_MISMATCH = 3
    ALREADY_RUNNING = 75  # EX_TEMPFAIL: another run of the same pipeline holds the lock
    TIMED_OUT = 124  # as coreutils `timeout`: `--timeout` stopped the run
    INTERRUPTED = 130  # 128 + SIGINT
    TERMINATED = 143  # 128 + SIGTERM


class MeltanoError(Exception):
    """A problem the user can fix; printed without a traceback."""

    exit_code: ClassVar[ExitCode] = ExitCode.FAILED

    def __init__(self, reason: str, instruction: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.instruction = instruction


class UsageError(MeltanoError):
    """The command line or its surroundings are wrong (exit code 2)."""

    exit_code = ExitCode.USAGE


class ProjectNotFoundError(UsageError):
    """A command that needs a project was run outside one."""

    def __init__(self, command: str) -> None:
        super().__init__(
            f"`meltano {command}` must be run inside a Meltano project",
            "Change into a project directory, pass `--cwd DIR`, "
            "or create a project with `meltano init DIR`",
        )


class ProjectReadOnlyError(MeltanoError):
    """A write was attempted in a project deployed as read-only."""

    def __init__(self) -> None:
        super().__init__(
            "The requested action could not be completed: "
            "This Meltano project is deployed as read-only",
            "Unset `project_readonly` (or MELTANO_PROJECT_READONLY) to change project files",
        )


class VersionMismatchError(MeltanoError):
    """The project's `requires_meltano` excludes the running version."""

    exit_code = ExitCode.VERSION_MISMATCH

    def __init__(self, running: str, required: str) -> None:
        super().__init__(
            f"You're using Meltano {running}, but this project requires {required}",
            "Install a Meltano version that matches `requires_meltano` in meltano.yml, "
            "or change that specifier",
        )


class ProjectFileError(MeltanoError):
    """`meltano.yml` (or an included file) cannot be read or is invalid."""


#: errno values of a write that fails because of where it writes, not because of a bug.
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_NOT_ALLOWED = (errno.EACCES, errno.EPERM, errno.EROFS)


def is_storage_error(error: BaseException) -> bool:
    """A full disk, a quota or size limit, a read-only file system, missing permissions."""
    return isinstance(error, OSError) and (error.errno in _NO_SPACE or error.errno in _NOT_ALLOWED)


def cannot_write(path: object, error: OSError, *, kept: bool = False) -> MeltanoError:
    """The user's error for a failed write of `path`; `kept` says the old file is intact."""
    reason = f"Cannot write {path}: {error.strerror or error}"
    if kept:
        reason += " (the file was left as it was)"
    if error.errno in _NO_SPACE:
        instruction = "Free some space on that disk (or raise the limit), then run it again"
    elif error.errno in _NOT_ALLOWED:
        instruction = "Check the permissions of that path and that its file system is writable"
    else:
        instruction = "Check that path, then run the command again"
    return MeltanoError(reason, instruction)


def close_matches(word: str, candidates: Iterable[str], *, n: int, cutoff: float) -> list[str]:
    """The candidates that look like `word`, best first: the "did you mean" of messages."""
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=cutoff)
