"""Run leases: at most one run of a state ID at a time, even across hosts sharing a backend.

A lease names its owner (run ID, host, PID) and when it was last renewed. Each backend takes
it with its own atomic primitive: a conditional create on object stores, `flock` on files, a
session advisory lock on PostgreSQL. A lease whose owner is a dead process on this host is
taken over at once; one that has not been renewed for `ttl_seconds` is taken over from any
host (hosts' clocks must agree to well within that); `force` takes it over regardless.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Protocol, runtime_checkable

import structlog

from meltano.core.errors import ExitCode, MeltanoError

log = structlog.get_logger("meltano")

DEFAULT_TTL_SECONDS = 60.0


@dataclass(frozen=True)
class LeaseOwner:
    """Who holds a lease, and when they last said they still do."""

    run_id: str
    host: str
    pid: int
    renewed_at: float

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, raw: bytes) -> LeaseOwner | None:
        """The owner written in a lease, or None when it cannot be read."""
        try:
            data = json.loads(raw)
            return cls(str(data["run_id"]), str(data["host"]), int(data["pid"]),
                       float(data["renewed_at"]))  # fmt: skip
        except (ValueError, TypeError, KeyError):
            return None

    def renewed(self) -> LeaseOwner:
        return replace(self, renewed_at=time.time())


def this_process(run_id: str) -> LeaseOwner:
    return LeaseOwner(run_id, socket.gethostname(), os.getpid(), time.time())


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours
    return True


def is_abandoned(
    holder: LeaseOwner | None,
    *,
    now: float,
    ttl_seconds: float,
    host: str,
    alive: Callable[[int], bool] = pid_alive,
) -> bool:
    """Whether a lease may be taken over: unreadable, not renewed in time, or its owner is a
    process of this host that no longer exists."""
    if holder is None:
        return True
    if now - holder.renewed_at > ttl_seconds:
        return True
    return holder.host == host and not alive(holder.pid)


class RunLeaseHeldError(MeltanoError):
    """Another run of the same state ID holds the lease."""

    exit_code = ExitCode.ALREADY_RUNNING

    def __init__(self, state_id: str, holder: LeaseOwner | None) -> None:
        who = "another run"
        if holder is not None:
            age = max(0, round(time.time() - holder.renewed_at))
            who = f"run {holder.run_id} (host {holder.host}, PID {holder.pid}, renewed {age}s ago)"
        super().__init__(
            f"Another '{state_id}' pipeline is already running: {who} holds its lease",
            "Wait for it to finish; if it is dead on another host, its lease expires by itself, "
            "or rerun with --force",
        )


class Lease(Protocol):
    def renew(self) -> bool:
        """Extend the lease; False when it was lost (someone took it over)."""
        ...

    def release(self) -> None: ...


@runtime_checkable
class LeasingBackend(Protocol):
    """A StateBackend that can also hand out run leases."""

    def acquire_lease(
        self, state_id: str, owner: LeaseOwner, *, ttl_seconds: float, force: bool
    ) -> Lease:
        """Take the lease of a state ID or raise RunLeaseHeldError; never waits."""
        ...


class NoLease:
    """For backends where another mechanism (e.g. the runs table) prevents concurrent runs."""

    def renew(self) -> bool:
        return True

    def release(self) -> None:
        return None


@contextlib.contextmanager
def run_lease(
    backend: object,
    state_id: str,
    run_id: str,
    *,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
    force: bool = False,
) -> Iterator[None]:
    """Hold the state ID's run lease for the block, renewing it in the background."""
    if not isinstance(backend, LeasingBackend):
        yield
        return
    owner = this_process(run_id)
    lease = backend.acquire_lease(state_id, owner, ttl_seconds=ttl_seconds, force=force)
    stop = threading.Event()

    def keep_renewing() -> None:
        while not stop.wait(ttl_seconds / 3):
            if not lease.renew():
                log.error("run lease lost to another run", state_id=state_id, run_id=run_id)
                return

    renewer = threading.Thread(target=keep_renewing, name=f"lease {state_id}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join(timeout=ttl_seconds)
        lease.release()
