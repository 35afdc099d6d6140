"""An in-process backend for tests: `memory://NAME` stores are shared within one process."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from meltano.core.state.backend import Change
from meltano.core.state.lease import LeaseOwner, RunLeaseHeldError, is_abandoned
from meltano.core.state.model import StoredState
from meltano.core.state.pattern import matches

if TYPE_CHECKING:
    from meltano.core.project.project import Project
    from meltano.core.state.settings import StateBackendSettings


class MemoryBackend:
    """State in a dict, guarded by a lock."""

    def __init__(self) -> None:
        self.states: dict[str, StoredState] = {}
        self.leases: dict[str, LeaseOwner] = {}
        self._lock = threading.Lock()

    def read(self, state_id: str) -> StoredState:
        with self._lock:
            return self.states.get(state_id, StoredState())

    def update(self, state_id: str, change: Change) -> None:
        with self._lock:
            new = change(self.states.get(state_id, StoredState()))
            if new is None:
                self.states.pop(state_id, None)
            else:
                self.states[state_id] = new

    def ids(self, pattern: str | None = None) -> list[str]:
        with self._lock:
            return sorted(state_id for state_id in self.states if matches(pattern, state_id))

    def acquire_lease(
        self, state_id: str, owner: LeaseOwner, *, ttl_seconds: float, force: bool
    ) -> MemoryLease:
        with self._lock:
            holder = self.leases.get(state_id)
            if holder is not None and not force:
                abandoned = is_abandoned(
                    holder, now=time.time(), ttl_seconds=ttl_seconds, host=owner.host
                )
                if not abandoned:
                    raise RunLeaseHeldError(state_id, holder)
            self.leases[state_id] = owner
        return MemoryLease(self, state_id, owner)


class MemoryLease:
    def __init__(self, backend: MemoryBackend, state_id: str, owner: LeaseOwner) -> None:
        self.backend, self.state_id, self.owner = backend, state_id, owner

    def renew(self) -> bool:
        with self.backend._lock:
            if self.backend.leases.get(self.state_id) != self.owner:
                return False
            self.owner = self.owner.renewed()
            self.backend.leases[self.state_id] = self.owner
            return True

    def release(self) -> None:
        with self.backend._lock:
            if self.backend.leases.get(self.state_id) == self.owner:
                del self.backend.leases[self.state_id]


_STORES: dict[str, MemoryBackend] = {}


def open_memory(
    uri: str, settings: StateBackendSettings, project: Project | None = None
) -> MemoryBackend:
    """The process-wide store named by `memory://NAME` (created on first use)."""
    return _STORES.setdefault(uri, MemoryBackend())
