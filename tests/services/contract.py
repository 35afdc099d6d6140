"""The contract every state backend passes: subclass `StateBackendContract` and provide the
`backend` fixture (a fresh, empty backend), `corrupt` (store unreadable bytes for an ID) and
`stale_lock` (leave a lock behind as a dead writer would)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from meltano.core.state import store
from meltano.core.state.backend import StateBackend
from meltano.core.state.model import CorruptStateError, StoredState
from meltano.core.state.streams import StreamNotFoundError

ID = "dev:tap-a-to-target_b"


class StateBackendContract:
    def test_unknown_id_reads_as_empty(self, backend: StateBackend) -> None:
        assert backend.read("nope") == StoredState()
        assert store.read_state(backend, "nope") == {}

    def test_complete_write_then_read(self, backend: StateBackend) -> None:
        store.save_singer_state(backend, ID, {"bookmarks": {"users": {"id": 4}}}, complete=True)
        assert store.read_state(backend, ID) == {
            "singer_state": {"bookmarks": {"users": {"id": 4}}}
        }
        assert backend.ids() == [ID]

    def test_partial_merges_and_complete_clears_it(self, backend: StateBackend) -> None:
        store.save_singer_state(backend, ID, {"users": {"id": 4}, "keep": 1}, complete=True)
        store.save_singer_state(backend, ID, {"users": {"id": 2}}, complete=False)
        assert store.read_state(backend, ID)["singer_state"] == {"users": {"id": 2}, "keep": 1}
        assert backend.read(ID).completed == {"singer_state": {"users": {"id": 4}, "keep": 1}}
        store.save_singer_state(backend, ID, {"users": {"id": 9}}, complete=True)
        assert backend.read(ID) == StoredState({"singer_state": {"users": {"id": 9}}}, {})

    def test_list_with_glob_keeps_underscore_literal(self, backend: StateBackend) -> None:
        for state_id in ("dev:a_b", "dev:axb", "prod:a_b"):
            store.save_state(backend, state_id, {"singer_state": {"x": 1}}, complete=True)
        assert backend.ids() == ["dev:a_b", "dev:axb", "prod:a_b"]
        assert backend.ids("dev:a_*") == ["dev:a_b"]
        assert backend.ids("*:a_b") == ["dev:a_b", "prod:a_b"]
        assert backend.ids("DEV:*") == []

    def test_clear_one_and_all(self, backend: StateBackend) -> None:
        for state_id in ("one", "two"):
            store.save_state(backend, state_id, {"singer_state": {"x": 1}}, complete=True)
        store.clear_state(backend, "one")
        store.clear_state(backend, "never-existed")
        assert backend.ids() == ["two"]
        assert store.clear_all(backend) == 1
        assert backend.ids() == []

    def test_failed_change_writes_nothing(self, backend: StateBackend) -> None:
        store.save_state(backend, ID, {"singer_state": {"x": 1}}, complete=True)

        def explode(_: StoredState) -> StoredState:
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            backend.update(ID, explode)
        assert store.read_state(backend, ID) == {"singer_state": {"x": 1}}
        store.save_state(backend, ID, {"singer_state": {"x": 2}}, complete=True)  # lock freed
        assert store.read_state(backend, ID) == {"singer_state": {"x": 2}}

    def test_concurrent_updates_lose_nothing(self, backend: StateBackend) -> None:
        errors: list[BaseException] = []

        def merge(index: int) -> None:
            try:
                store.save_singer_state(backend, ID, {f"stream{index}": index}, complete=False)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=merge, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        assert store.read_state(backend, ID)["singer_state"] == {f"stream{i}": i for i in range(8)}

    def test_export_import_round_trip(self, backend: StateBackend) -> None:
        store.save_state(backend, "a", {"singer_state": {"x": 1}}, complete=True)
        store.save_state(backend, "a", {"singer_state": {"y": 2}}, complete=False)
        exported = store.export_states(backend)
        assert exported == {
            "a": {"completed": {"singer_state": {"x": 1}}, "partial": {"singer_state": {"y": 2}}}
        }
        store.clear_all(backend)
        from meltano.core.state.model import parse_export

        assert store.import_states(backend, parse_export(exported)) == 1
        assert store.export_states(backend) == exported

    def test_copy_and_move(self, backend: StateBackend) -> None:
        store.save_state(backend, "src", {"singer_state": {"x": 1}}, complete=True)
        store.save_state(backend, "src", {"singer_state": {"y": 2}}, complete=False)
        store.copy_state(backend, "src", "copy")
        assert backend.read("copy") == StoredState({"singer_state": {"x": 1, "y": 2}}, {})
        store.move_state(backend, "src", "moved")
        assert backend.ids() == ["copy", "moved"]
        with pytest.raises(store.StateNotFoundError):
            store.copy_state(backend, "src", "other")

    def test_corrupt_state_fails_closed(
        self, backend: StateBackend, corrupt: Callable[[str], None]
    ) -> None:
        store.save_state(backend, ID, {"singer_state": {"x": 1}}, complete=True)
        corrupt(ID)
        with pytest.raises(CorruptStateError):
            store.read_state(backend, ID)
        with pytest.raises(CorruptStateError):  # and a partial write does not paper over it
            store.save_singer_state(backend, ID, {"y": 1}, complete=False)
        with pytest.raises(CorruptStateError):
            store.read_state(backend, ID)

    def test_corrupt_state_can_be_replaced_or_cleared(
        self, backend: StateBackend, corrupt: Callable[[str], None]
    ) -> None:
        store.save_state(backend, ID, {"singer_state": {"x": 1}}, complete=True)
        corrupt(ID)
        store.save_singer_state(backend, ID, {"fixed": 1}, complete=True)
        assert store.read_state(backend, ID) == {"singer_state": {"fixed": 1}}
        corrupt(ID)
        store.clear_state(backend, ID)
        assert backend.ids() == []

    def test_stale_lock_is_taken_over(
        self, backend: StateBackend, stale_lock: Callable[[str], None]
    ) -> None:
        stale_lock(ID)
        store.save_singer_state(backend, ID, {"x": 1}, complete=True)
        assert store.read_state(backend, ID) == {"singer_state": {"x": 1}}

    def test_clear_streams_from_completed_and_partial(self, backend: StateBackend) -> None:
        completed = {"bookmarks": {"users": {"id": 4}, "orders": {"id": 7}, "items": {"id": 1}}}
        store.save_singer_state(
            backend, ID, {**completed, "currently_syncing": "orders"}, complete=True
        )
        store.save_singer_state(backend, ID, {"bookmarks": {"orders": {"id": 9}}}, complete=False)
        store.clear_streams(backend, ID, ["orders", "items"])
        assert backend.read(ID) == StoredState(
            {"singer_state": {"bookmarks": {"users": {"id": 4}}}},
            {"singer_state": {"bookmarks": {}}},
        )
        assert store.read_stream(backend, ID, "users") == {"id": 4}

    def test_clear_unknown_stream_changes_nothing(self, backend: StateBackend) -> None:
        store.save_singer_state(backend, ID, {"bookmarks": {"users": {"id": 4}}}, complete=True)
        with pytest.raises(StreamNotFoundError, match=r"'nope'.*bookmarks for: users"):
            store.clear_streams(backend, ID, ["users", "nope"])
        assert store.read_stream(backend, ID, "users") == {"id": 4}
        with pytest.raises(store.StateNotFoundError):
            store.clear_streams(backend, "dev:never-stored", ["users"])
        assert backend.ids() == [ID]

    def test_concurrent_stream_clears_and_writes_lose_nothing(self, backend: StateBackend) -> None:
        names = [f"s{index}" for index in range(6)]
        initial = {"bookmarks": {name: {"id": 1} for name in names}}
        store.save_singer_state(backend, ID, initial, complete=True)
        errors: list[BaseException] = []

        def clear(name: str) -> None:
            try:
                store.clear_streams(backend, ID, [name])
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=clear, args=(name,)) for name in names[:3]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        bookmarks = store.read_state(backend, ID)["singer_state"]["bookmarks"]
        assert sorted(bookmarks) == names[3:]

    def test_refreshed_write_replaces_only_the_refreshed_streams(
        self, backend: StateBackend
    ) -> None:
        old = {"bookmarks": {"users": {"id": 4, "stale": True}, "orders": {"id": 7}}}
        store.save_singer_state(backend, ID, old, complete=True)
        store.save_singer_state(backend, ID, {"bookmarks": {"orders": {"id": 8}}}, complete=False)
        emitted = {"bookmarks": {"users": {"id": 1}}}
        store.save_refreshed_state(backend, ID, emitted, streams=["users"])
        assert backend.read(ID) == StoredState(
            {"singer_state": {"bookmarks": {"users": {"id": 1}, "orders": {"id": 8}}}}, {}
        )


class RunLeaseContract:
    """For backends whose run leases are real (not the runs table's job)."""

    def take_all_at_once(self, backend: object, count: int, state_id: str) -> list[object]:
        from meltano.core.state.lease import LeasingBackend, RunLeaseHeldError, this_process

        assert isinstance(backend, LeasingBackend)
        barrier = threading.Barrier(count)
        results: list[object] = [None] * count

        def take(index: int) -> None:
            barrier.wait(timeout=30)
            try:
                results[index] = backend.acquire_lease(
                    state_id, this_process(f"run{index}"), ttl_seconds=60, force=False
                )
            except RunLeaseHeldError as error:
                results[index] = error
            except BaseException as error:
                results[index] = repr(error)

        threads = [threading.Thread(target=take, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return results

    def test_exactly_one_of_twenty_takes_the_lease_ten_times(self, backend: object) -> None:
        from meltano.core.state.lease import RunLeaseHeldError

        for trial in range(10):
            results = self.take_all_at_once(backend, 20, f"dev:trial{trial}")
            held = [r for r in results if not isinstance(r, RunLeaseHeldError)]
            assert len(held) == 1, results
            held[0].release()  # type: ignore[attr-defined]

    def test_released_lease_can_be_taken_again(self, backend: object) -> None:
        from meltano.core.state.lease import run_lease

        for _ in range(2):
            with run_lease(backend, ID, "run"):
                pass

    def test_held_lease_blocks_and_force_overrides(self, backend: object) -> None:
        from meltano.core.state.lease import RunLeaseHeldError, run_lease

        with run_lease(backend, ID, "first"):
            with pytest.raises(RunLeaseHeldError) as caught, run_lease(backend, ID, "second"):
                pass
            assert caught.value.exit_code == 75
            with run_lease(backend, ID, "third", force=True):
                pass
