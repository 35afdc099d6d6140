from __future__ import annotations

import os
import time

import pytest

from meltano.core.state.backends.memory import MemoryBackend
from meltano.core.state.backends.objects import ObjectStoreBackend
from meltano.core.state.lease import (
    LeaseOwner,
    RunLeaseHeldError,
    is_abandoned,
    run_lease,
    this_process,
)
from meltano.core.state.settings import StateBackendSettings
from tests.unit.state.test_object_lock import DictStore

NOW = 1_000_000.0


def owner(**changes: object) -> LeaseOwner:
    base = {"run_id": "r1", "host": "h1", "pid": 42, "renewed_at": NOW}
    return LeaseOwner(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("holder", "alive", "abandoned"),
    [
        (owner(), True, False),
        (owner(), False, True),  # same host, process gone
        (owner(host="h2"), False, False),  # other host: trust the renewals
        (owner(renewed_at=NOW - 61), True, True),  # not renewed within the TTL
        (None, True, True),  # unreadable
    ],
)
def test_is_abandoned(holder: LeaseOwner | None, alive: bool, abandoned: bool) -> None:
    result = is_abandoned(holder, now=NOW, ttl_seconds=60, host="h1", alive=lambda _pid: alive)
    assert result is abandoned


def test_owner_round_trip_and_garbage() -> None:
    assert LeaseOwner.decode(owner().encode()) == owner()
    assert LeaseOwner.decode(b"not json") is None
    assert LeaseOwner.decode(b'{"run_id": "x"}') is None


def object_backend() -> tuple[DictStore, ObjectStoreBackend]:
    objects = DictStore()
    return objects, ObjectStoreBackend(objects, StateBackendSettings())


def test_lease_of_a_dead_process_on_this_host_is_taken_at_once() -> None:
    objects, backend = object_backend()
    dead = this_process("crashed")
    objects.put("id/run.lease", LeaseOwner(dead.run_id, dead.host, 2**22 + 1, time.time()).encode())
    with run_lease(backend, "id", "next"):
        holder = LeaseOwner.decode(objects.get("id/run.lease").data)  # type: ignore[union-attr]
        assert holder is not None and holder.run_id == "next"
    assert objects.get("id/run.lease") is None


def test_live_lease_of_another_host_blocks_until_it_expires() -> None:
    objects, backend = object_backend()
    elsewhere = LeaseOwner("other", "another-host", 1, time.time())
    objects.put("id/run.lease", elsewhere.encode())
    with pytest.raises(RunLeaseHeldError, match="another-host"), run_lease(backend, "id", "me"):
        pass
    objects.put("id/run.lease", LeaseOwner("other", "another-host", 1, time.time() - 120).encode())
    with run_lease(backend, "id", "me", ttl_seconds=60):
        pass


def test_lease_is_renewed_in_the_background() -> None:
    objects, backend = object_backend()
    with run_lease(backend, "id", "me", ttl_seconds=0.3):
        first = LeaseOwner.decode(objects.get("id/run.lease").data)  # type: ignore[union-attr]
        time.sleep(0.35)
        later = LeaseOwner.decode(objects.get("id/run.lease").data)  # type: ignore[union-attr]
    assert first is not None and later is not None
    assert later.renewed_at > first.renewed_at


def test_a_lost_lease_is_not_released_from_its_new_owner() -> None:
    objects, backend = object_backend()
    lease = backend.acquire_lease("id", this_process("me"), ttl_seconds=60, force=False)
    objects.put("id/run.lease", LeaseOwner("thief", "h", os.getpid(), time.time()).encode())
    assert lease.renew() is False
    lease.release()
    assert objects.get("id/run.lease") is not None


def test_backends_without_leases_run_unguarded() -> None:
    with run_lease(object(), "id", "me"):
        pass
    memory = MemoryBackend()
    with run_lease(memory, "id", "me"):
        assert "id" in memory.leases
    assert memory.leases == {}
