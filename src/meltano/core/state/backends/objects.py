"""Backends on object stores (S3, GCS, Azure Blob): one layout and one lease lock for all.

Layout under the URI's prefix: `<state id>/state.json` holds `{"completed", "partial"}` and
`<state id>/lock` holds the epoch seconds at which a writer took the lock. A store only has
to offer a handful of primitives, each atomic on the service: read with a version, write,
create-if-absent, replace-if-version-matches, delete(-if-version-matches), and list.
"""

from __future__ import annotations

import contextlib
import functools
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.state.backend import Change
from meltano.core.state.lease import LeaseOwner, RunLeaseHeldError, is_abandoned
from meltano.core.state.model import (
    StoredState,
    check_state_id_characters,
    current_or_unreadable,
    decode_stored,
    encode_stored,
)
from meltano.core.state.pattern import matches
from meltano.core.state.redact import redact
from meltano.core.state.settings import StateBackendSettings

log = structlog.get_logger(__name__)

STATE_FILE = "state.json"
LOCK_FILE = "lock"
LEASE_FILE = "run.lease"
MAX_WAIT_MARGIN_SECONDS = 60.0
MAX_CONFLICTS = 5


@dataclass(frozen=True)
class Versioned:
    """An object's bytes and the version token the service gave them (ETag, generation)."""

    data: bytes
    version: str


class ObjectStore(Protocol):
    """The primitives a cloud backend implements; keys are relative to the URI prefix."""

    location: str  # for messages, without credentials
    prefix: str  # the URI's path, which every key is relative to

    def get(self, key: str) -> Versioned | None: ...
    def put(self, key: str, data: bytes) -> None: ...
    def create(self, key: str, data: bytes) -> str | None:
        """Write only if absent; the new version, or None when the key already exists."""
        ...

    def replace(self, key: str, data: bytes, version: str) -> str | None:
        """Write only if the key is still at `version`; the new version, or None."""
        ...

    def delete(self, key: str, version: str | None = None) -> None:
        """Delete (only at `version` when given); a missing key is fine."""
        ...

    def list_keys(self) -> Iterable[str]: ...


class InvalidStateIdError(MeltanoError):
    def __init__(self, state_id: str) -> None:
        super().__init__(
            f"The state ID {state_id!r} cannot name a directory or object in this backend",
            "Use a state ID without '/', and not empty, '.' or '..'",
        )


class StateLockedError(MeltanoError):
    def __init__(self, state_id: str, location: str, waited: float) -> None:
        super().__init__(
            f"Timed out after {waited:.0f}s waiting for the state lock of {state_id!r} in "
            f"{location}",
            "Another process is updating this state; retry later, or raise "
            "`state_backend.lock_timeout_seconds` if writers are slow",
        )


class StateStorageError(MeltanoError):
    """The storage service refused or could not be reached (credentials kept out)."""

    def __init__(self, location: str, detail: str) -> None:
        super().__init__(
            f"Cannot use the state storage {redact(location)}: {redact(detail)}",
            "Check the state backend URI, its credentials and that the service is reachable",
        )


def check_state_id(state_id: str) -> str:
    """A state ID usable as one path component (and free of control characters)."""
    if not state_id or "/" in state_id or "\\" in state_id or state_id in (".", ".."):
        raise InvalidStateIdError(state_id)
    return check_state_id_characters(state_id)


def state_id_of(key: str) -> str | None:
    """`<id>/state.json` -> `<id>`; other keys -> None."""
    head, _, tail = key.rpartition("/")
    if tail != STATE_FILE or not head or "/" in head:
        return None
    return head


class ObjectStoreBackend:
    """A StateBackend over an ObjectStore, with the lease lock around every update."""

    def __init__(self, store: ObjectStore, settings: StateBackendSettings) -> None:
        self.store = store
        self.settings = settings

    def read(self, state_id: str) -> StoredState:
        key = f"{check_state_id(state_id)}/{STATE_FILE}"
        found = self.store.get(key)
        if found is None:
            return StoredState()
        return decode_stored(found.data, origin=f"{self.store.location}/{key}")

    def update(self, state_id: str, change: Change) -> None:
        """Under the lock, and conditioned on the version read, so that even a writer whose
        lock was taken over (it held it past lock_timeout_seconds) cannot lose an update."""
        key = f"{check_state_id(state_id)}/{STATE_FILE}"
        with self.lock(state_id):
            for _ in range(MAX_CONFLICTS):
                found = self.store.get(key)
                origin = f"{self.store.location}/{key}"
                current = (
                    StoredState()
                    if found is None
                    else current_or_unreadable(
                        functools.partial(decode_stored, found.data, origin=origin)
                    )
                )
                new = change(current)
                if new is None:
                    self.store.delete(key, found.version if found else None)
                    return
                data = encode_stored(new)
                if found is None:
                    written = self.store.create(key, data)
                else:
                    written = self.store.replace(key, data, found.version)
                if written is not None:
                    return
                log.warning("state changed while we held its lock; retrying", state_id=state_id)
        raise StateStorageError(
            self.store.location, f"the state of {state_id!r} kept changing under its lock"
        )

    def ids(self, pattern: str | None = None) -> list[str]:
        found = (state_id_of(key) for key in self.store.list_keys())
        return sorted({i for i in found if i is not None and matches(pattern, i)})

    def acquire_lease(
        self, state_id: str, owner: LeaseOwner, *, ttl_seconds: float, force: bool
    ) -> ObjectLease:
        return acquire_object_lease(
            self.store, state_id, owner, ttl_seconds=ttl_seconds, force=force
        )

    @contextlib.contextmanager
    def lock(self, state_id: str) -> Iterator[None]:
        """Hold `<id>/lock`; a lock older than lock_timeout_seconds is taken over."""
        key = f"{check_state_id(state_id)}/{LOCK_FILE}"
        timeout = self.settings.lock_timeout_seconds
        retry = self.settings.lock_retry_seconds
        started = time.monotonic()
        while True:
            stamp = repr(time.time()).encode()
            version = self.store.create(key, stamp)
            if version is not None:
                break
            held = self.store.get(key)
            if held is None:
                continue  # released between our two calls
            age = time.time() - _epoch(held.data)
            if age > timeout:
                version = self.store.replace(key, stamp, held.version)
                if version is not None:
                    log.warning("stale state lock taken over", state_id=state_id, age=round(age))
                    break
                continue
            waited = time.monotonic() - started
            if waited > timeout + MAX_WAIT_MARGIN_SECONDS:
                raise StateLockedError(state_id, self.store.location, waited)
            time.sleep(retry * random.uniform(0.8, 1.2))
        try:
            yield
        finally:
            self.store.delete(key, version)


class ObjectLease:
    """A run lease object we created; renewed and released only at the version we wrote."""

    def __init__(self, store: ObjectStore, key: str, version: str, owner: LeaseOwner) -> None:
        self.store, self.key, self.version, self.owner = store, key, version, owner

    def renew(self) -> bool:
        self.owner = self.owner.renewed()
        version = self.store.replace(self.key, self.owner.encode(), self.version)
        if version is None:
            return False
        self.version = version
        return True

    def release(self) -> None:
        self.store.delete(self.key, self.version)


def acquire_object_lease(
    store: ObjectStore, state_id: str, owner: LeaseOwner, *, ttl_seconds: float, force: bool
) -> ObjectLease:
    """Create `<id>/run.lease`, or take over an abandoned one by a conditional replace."""
    key = f"{check_state_id(state_id)}/{LEASE_FILE}"
    holder = None
    for _ in range(MAX_CONFLICTS):
        version = store.create(key, owner.encode())
        if version is not None:
            return ObjectLease(store, key, version, owner)
        held = store.get(key)
        if held is None:
            continue  # released between our two calls
        holder = LeaseOwner.decode(held.data)
        abandoned = is_abandoned(holder, now=time.time(), ttl_seconds=ttl_seconds, host=owner.host)
        if not (force or abandoned):
            raise RunLeaseHeldError(state_id, holder)
        version = store.replace(key, owner.encode(), held.version)
        if version is not None:
            log.warning(
                "run lease taken over",
                state_id=state_id,
                previous_run_id=holder.run_id if holder else None,
                forced=force and not abandoned,
            )
            return ObjectLease(store, key, version, owner)
    raise RunLeaseHeldError(state_id, holder)


def _epoch(data: bytes) -> float:
    """The lock's time stamp; an unreadable lock counts as infinitely old."""
    try:
        return float(data.decode().strip())
    except (UnicodeDecodeError, ValueError):
        return 0.0


def split_uri(uri: str) -> tuple[str, str]:
    """`s3://[creds@]bucket/some/prefix` -> ("bucket", "some/prefix")."""

    parts = urlsplit(uri)
    return parts.hostname or "", parts.path.strip("/")


def join(prefix: str, key: str) -> str:
    return f"{prefix}/{key}" if prefix else key
