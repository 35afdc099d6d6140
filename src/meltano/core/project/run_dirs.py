"""Private per-run directories under `<sys dir>/run/runs/`, removed even after a `kill -9`.

A run writes its plugins' config files (every secret included) into `runs/<run id>/` and
removes the directory when it ends. `kill -9` skips that, so each directory carries a kernel
`flock` for as long as its run lives: the kernel drops it when the process dies, however it
dies. Whoever opens the project next and can take a directory's lock knows its run is over,
and removes what it left.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from meltano.core.errors import MeltanoError

#: A directory is made under this prefix, locked, then renamed to its run ID, so no one ever
#: sees a run's directory unlocked. One left by a kill between the two steps holds no secret
#: yet; it is removed once it is this old.
_PENDING_PREFIX = ".new-"
_PENDING_GRACE_SECONDS = 60.0


@contextlib.contextmanager
def private_run_dir(runs: Path, run_id: str) -> Iterator[Path]:
    """`runs/<run_id>/`, mode 0700, locked while the block runs and removed afterwards."""
    import tempfile

    runs.mkdir(parents=True, exist_ok=True)
    pending = Path(tempfile.mkdtemp(prefix=_PENDING_PREFIX, dir=runs))  # mode 0700
    fd = os.open(pending, os.O_RDONLY | os.O_DIRECTORY)
    path = pending
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            pending.rename(runs / run_id)
        except OSError as error:
            raise MeltanoError(
                f"Cannot create the run directory {runs / run_id}: {error.strerror}",
                "Use a run ID that no other run uses",
            ) from error
        path = runs / run_id
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)  # releases the lock


def remove_dead_run_dirs(runs: Path) -> list[Path]:
    """Remove the directories under `runs` whose run is no longer alive; return them."""
    try:
        entries = list(os.scandir(runs))
    except OSError:
        return []
    removed = []
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name.startswith(_PENDING_PREFIX) and not _older_than(
            entry, _PENDING_GRACE_SECONDS
        ):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue  # removed by another command meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # its run holds the lock: alive
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
        finally:
            os.close(fd)
    return removed


def _older_than(entry: os.DirEntry[str], seconds: float) -> bool:
    try:
        return time.time() - entry.stat(follow_symlinks=False).st_mtime > seconds
    except OSError:
        return False
