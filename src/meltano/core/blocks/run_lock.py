"""One pipeline per state ID at a time on this host, enforced by the kernel.

An exclusive `flock` on `<sys dir>/run/locks/<state id>.lock` is held for the whole run. The
kernel releases it when the process dies, however it dies (even `kill -9`), so a crashed run
never blocks the next one; and taking it is atomic, so of twenty runs started at once exactly
one gets through. The holder writes its run ID into the file: whoever takes the lock next knows
that run is over, and can fail its RUNNING record at once instead of waiting for it to go stale.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from meltano.core.errors import ExitCode, MeltanoError, cannot_write, is_storage_error


class PipelineRunningError(MeltanoError):
    """Another run of the same pipeline holds the lock (or a live RUNNING record exists)."""

    exit_code = ExitCode.ALREADY_RUNNING


@dataclass(frozen=True)
class HeldLock:
    """The lock we hold, and the run ID its previous holder left behind (if any)."""

    path: Path
    previous_run_id: str | None


def lock_path(run_dir: Path, state_id: str) -> Path:
    """A file name safe on every file system, unique per state ID."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", state_id)[:80]
    digest = hashlib.sha256(state_id.encode()).hexdigest()[:12]
    return run_dir / "locks" / f"{readable}-{digest}.lock"


@contextlib.contextmanager
def pipeline_lock(run_dir: Path, state_id: str, run_id: str) -> Iterator[HeldLock]:
    """Hold the state ID's lock for the duration of the block, or fail at once."""

    path = lock_path(run_dir, state_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
                raise PipelineRunningError(
                    f"Another '{state_id}' pipeline is already running on this machine "
                    f"(run ID {holder})",
                    "Wait for it to finish; this run was not started",
                ) from error
            raise
        previous = os.pread(fd, 64, 0).decode(errors="replace").strip() or None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, run_id.encode(), 0)
        except OSError as error:
            if is_storage_error(error):
                raise cannot_write(path, error) from error
            raise
        yield HeldLock(path, previous)
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock
