"""`file:///path`: one `<path>/<state id>/state.json` per state ID, on a local filesystem.

Writes go to a temporary file that is fsynced and renamed over `state.json`, so a reader sees
the old document or the new one, never half of one. Updates hold `flock` on `<id>/lock`: the
kernel releases it when its owner dies, so a killed writer never blocks the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.state.backend import Change
from meltano.core.state.backends.objects import (
    LEASE_FILE,
    LOCK_FILE,
    MAX_WAIT_MARGIN_SECONDS,
    STATE_FILE,
    StateLockedError,
    check_state_id,
)
from meltano.core.state.lease import LeaseOwner, NoLease, RunLeaseHeldError
from meltano.core.state.model import (
    StoredState,
    current_or_unreadable,
    decode_stored,
    encode_stored,
)
from meltano.core.state.pattern import matches
from meltano.core.state.settings import StateBackendSettings

if TYPE_CHECKING:
    from meltano.core.project.project import Project

log = structlog.get_logger(__name__)


class FileBackend:
    """State files under one root directory."""

    def __init__(self, root: Path, settings: StateBackendSettings) -> None:
        self.root = root
        self.settings = settings
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MeltanoError(
                f"Cannot create the state directory {root}: {error.strerror}",
                "Check `state_backend.uri` and the directory's permissions",
            ) from error

    def state_file(self, state_id: str) -> Path:
        return self._inside(self.root / check_state_id(state_id) / STATE_FILE)

    def _inside(self, path: Path) -> Path:
        """`path`, unless a symlink on the way leads out of the state directory."""
        resolved, root = path.resolve(), self.root.resolve()
        if not resolved.is_relative_to(root):
            raise MeltanoError(
                f"{path} leads to {resolved}, outside the state directory {self.root}: "
                "a symbolic link is in the way",
                "Remove the link; state files live in the state directory itself",
            )
        return path

    def read(self, state_id: str) -> StoredState:
        path = self.state_file(state_id)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return StoredState()
        except OSError as error:
            raise MeltanoError(f"Cannot read {path}: {error.strerror}") from error
        return decode_stored(raw, origin=str(path))

    def update(self, state_id: str, change: Change) -> None:
        path = self.state_file(state_id)
        with self.lock(state_id):
            new = change(current_or_unreadable(lambda: self.read(state_id)))
            if new is None:
                path.unlink(missing_ok=True)
            else:
                _write_atomically(path, encode_stored(new))
        if new is None:
            with contextlib.suppress(OSError):  # not empty: another writer is already there
                path.parent.rmdir()

    def ids(self, pattern: str | None = None) -> list[str]:
        if not self.root.is_dir():
            return []
        root = self.root.resolve()
        return sorted(
            entry.name
            for entry in self.root.iterdir()
            if (entry / STATE_FILE).is_file()
            and (entry / STATE_FILE).resolve().is_relative_to(root)  # no link leading out
            and matches(pattern, entry.name)
        )

    def acquire_lease(
        self, state_id: str, owner: LeaseOwner, *, ttl_seconds: float, force: bool
    ) -> FileLease | NoLease:
        """The lease file is kept (never unlinked), so every run locks the same inode."""
        path = self._inside(self.root / check_state_id(state_id) / LEASE_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = LeaseOwner.decode(os.pread(fd, 4096, 0))
            os.close(fd)
            if not force:
                raise RunLeaseHeldError(state_id, holder) from None
            log.warning("run lease ignored (--force)", state_id=state_id)
            return NoLease()
        os.ftruncate(fd, 0)
        os.pwrite(fd, owner.encode(), 0)
        return FileLease(fd)

    @contextlib.contextmanager
    def lock(self, state_id: str) -> Iterator[None]:
        """Hold an exclusive flock on `<id>/lock` (removed again on release)."""
        path = self._inside(self.root / check_state_id(state_id) / LOCK_FILE)
        started = time.monotonic()
        while True:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:
                continue  # the directory was removed by a clear in between
            except OSError as error:  # read-only, not a directory, disk full...
                raise MeltanoError(
                    f"Cannot write {path}: {error.strerror}", "Check free space and permissions"
                ) from error
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                waited = time.monotonic() - started
                if waited > self.settings.lock_timeout_seconds + MAX_WAIT_MARGIN_SECONDS:
                    raise StateLockedError(state_id, str(self.root), waited) from None
                time.sleep(self.settings.lock_retry_seconds)
                continue
            if _same_file(fd, path):
                break
            os.close(fd)  # we locked a lock file its owner already removed: start over
        try:
            os.ftruncate(fd, 0)
            os.write(fd, repr(time.time()).encode())
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            os.close(fd)


class FileLease:
    """A flock on `<id>/run.lease`, held for the whole run; the kernel drops it if we die."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def renew(self) -> bool:
        return True

    def release(self) -> None:
        os.ftruncate(self.fd, 0)
        os.close(self.fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a temporary file, fsync it, rename it over `path`, fsync the directory."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise MeltanoError(
            f"Cannot write {path}: {error.strerror}", "Check free space and permissions"
        ) from error


def root_of(uri: str, project: Project | None) -> Path:
    """`file:///abs/dir` -> /abs/dir; a relative path is taken from the project root."""
    parts = urlsplit(uri)
    text = unquote(parts.netloc + parts.path)
    if not text:
        raise MeltanoError(
            f"The state backend URI {uri!r} names no directory", "Write it as file:///abs/dir"
        )
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = (project.root if project is not None else Path.cwd()) / path
    return path


def open_file(
    uri: str, settings: StateBackendSettings, project: Project | None = None
) -> FileBackend:
    return FileBackend(root_of(uri, project), settings)
