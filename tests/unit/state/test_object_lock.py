"""The lease lock and versioned writes of ObjectStoreBackend, on an in-memory object store."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from meltano.core.state import store
from meltano.core.state.backends.objects import (
    ObjectStoreBackend,
    StateLockedError,
    Versioned,
)
from meltano.core.state.settings import StateBackendSettings


class DictStore:
    """Objects in a dict; versions from a counter; every primitive atomic under one lock."""

    location = "memory://objects"
    prefix = ""

    def __init__(self) -> None:
        self.objects: dict[str, Versioned] = {}
        self._lock = threading.Lock()
        self._versions = itertools.count(1)

    def get(self, key: str) -> Versioned | None:
        with self._lock:
            return self.objects.get(key)

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            self.objects[key] = Versioned(data, str(next(self._versions)))

    def create(self, key: str, data: bytes) -> str | None:
        with self._lock:
            if key in self.objects:
                return None
            self.objects[key] = Versioned(data, str(next(self._versions)))
            return self.objects[key].version

    def replace(self, key: str, data: bytes, version: str) -> str | None:
        with self._lock:
            current = self.objects.get(key)
            if current is None or current.version != version:
                return None
            self.objects[key] = Versioned(data, str(next(self._versions)))
            return self.objects[key].version

    def delete(self, key: str, version: str | None = None) -> None:
        with self._lock:
            current = self.objects.get(key)
            if current is not None and (version is None or current.version == version):
                del self.objects[key]

    def list_keys(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self.objects))


@pytest.fixture
def objects() -> DictStore:
    return DictStore()


def backend_on(objects: DictStore, timeout: float = 0.3) -> ObjectStoreBackend:
    settings = StateBackendSettings(lock_timeout_seconds=timeout, lock_retry_seconds=0.01)
    return ObjectStoreBackend(objects, settings)


def test_lock_is_released_and_no_lock_object_remains(objects: DictStore) -> None:
    store.save_singer_state(backend_on(objects), "id", {"a": 1}, complete=True)
    assert list(objects.list_keys()) == ["id/state.json"]


def test_fresh_lock_is_waited_for(objects: DictStore) -> None:
    objects.put("id/lock", repr(time.time()).encode())
    started = time.monotonic()
    store.save_singer_state(backend_on(objects, timeout=0.3), "id", {"a": 1}, complete=True)
    assert time.monotonic() - started >= 0.25  # until the lock turned stale


@pytest.mark.parametrize("content", [b"1000.0", b"garbage"])
def test_stale_or_unreadable_lock_is_taken_over_at_once(objects: DictStore, content: bytes) -> None:
    objects.put("id/lock", content)
    started = time.monotonic()
    store.save_singer_state(backend_on(objects, timeout=5), "id", {"a": 1}, complete=True)
    assert time.monotonic() - started < 1


def test_a_lock_that_is_renewed_forever_times_out(
    objects: DictStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meltano.core.state.backends import objects as module

    monkeypatch.setattr(module, "MAX_WAIT_MARGIN_SECONDS", 0.2)
    stop = threading.Event()

    def renew() -> None:
        while not stop.is_set():
            objects.put("id/lock", repr(time.time()).encode())
            time.sleep(0.01)

    renewer = threading.Thread(target=renew)
    renewer.start()
    try:
        with pytest.raises(StateLockedError):
            store.save_singer_state(backend_on(objects, timeout=0.2), "id", {"a": 1}, complete=True)
    finally:
        stop.set()
        renewer.join(timeout=5)


def test_a_write_racing_ours_is_not_lost(objects: DictStore) -> None:
    """A writer whose lock was taken over re-reads instead of overwriting the newer state."""
    backend = backend_on(objects)
    store.save_singer_state(backend, "id", {"a": 1}, complete=True)
    sneaked = False

    def change(current: object) -> object:
        nonlocal sneaked
        if not sneaked:  # another writer lands between our read and our write
            sneaked = True
            objects.put(
                "id/state.json", b'{"completed": {"singer_state": {"b": 2}}, "partial": {}}'
            )
        from meltano.core.state.model import write_partial

        return write_partial(current, {"singer_state": {"c": 3}})  # type: ignore[arg-type]

    backend.update("id", change)  # type: ignore[arg-type]
    assert store.read_state(backend, "id") == {"singer_state": {"b": 2, "c": 3}}


def test_threads_never_lose_updates(objects: DictStore) -> None:
    backend = backend_on(objects)
    threads = [
        threading.Thread(
            target=store.save_singer_state,
            args=(backend, "id", {f"k{i}": i}),
            kwargs={"complete": False},
        )
        for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert store.read_state(backend, "id")["singer_state"] == {f"k{i}": i for i in range(20)}
