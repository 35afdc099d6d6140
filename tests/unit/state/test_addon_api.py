"""The 4.4.1 add-on surface: MeltanoState, the StateStoreManager base and its defaults, the
compatibility import paths, and the adapter that serves a manager as our StateBackend."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.state import store
from meltano.core.state.backends.addon import (
    AddonBackend,
    AddonFailedError,
    AddonNotConfiguredError,
    open_addon,
)
from meltano.core.state.model import CorruptStateError
from meltano.core.state.settings import StateBackendSettings
from meltano.core.state_store.base import (
    MeltanoState,
    MissingStateBackendSettingsError,
    StateIDLockedError,
    StateStoreManager,
)
from tests.services.contract import StateBackendContract


class DictManager(StateStoreManager):
    """An add-on as an author writes one: state in a dict, every call recorded."""

    label = "Dict"

    def __init__(self, uri: str = "dict://", *, fail: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.uri, self.fail, self.kwargs = uri, fail, kwargs
        self.states: dict[str, str] = {}
        self.calls: list[str] = []
        self.locked: set[str] = set()

    def set(self, state: MeltanoState) -> None:
        self.calls.append(f"set {state.state_id} locked={state.state_id in self.locked}")
        if self.fail == "set":
            raise ConnectionError("server gone, password=hunter2")
        self.states[state.state_id] = state.json()

    def get(self, state_id: str) -> MeltanoState | None:
        self.calls.append(f"get {state_id}")
        text = self.states.get(state_id)
        return None if text is None else MeltanoState.from_json(state_id, text)

    def delete(self, state_id: str) -> None:
        self.calls.append(f"delete {state_id}")
        self.states.pop(state_id, None)

    def get_state_ids(self, pattern: str | None = None) -> list[str]:
        self.calls.append(f"ids {pattern}")
        return list(self.states)

    @contextlib.contextmanager
    def acquire_lock(self, state_id: str, *, retry_seconds: float) -> Iterator[None]:
        self.calls.append(f"lock {state_id} retry={retry_seconds}")
        if self.fail == "lock":
            raise StateIDLockedError(f"Could not acquire lock for state_id: {state_id}")
        self.locked.add(state_id)
        try:
            yield
        finally:
            self.locked.discard(state_id)


def adapter(manager: StateStoreManager) -> AddonBackend:
    return AddonBackend(manager, scheme="dict", lock_retry_seconds=1, secrets=["hunter2"])


class TestAddonBackendContract(StateBackendContract):
    @pytest.fixture
    def backend(self) -> AddonBackend:
        return adapter(DictManager())

    @pytest.fixture
    def corrupt(self, backend: AddonBackend) -> object:
        def corrupt(state_id: str) -> None:
            backend.manager.states[state_id] = "{torn"

        return corrupt

    @pytest.fixture
    def stale_lock(self) -> object:
        pytest.skip("locks are the add-on's own")


def test_meltano_state_reads_and_writes_4_4_1_documents() -> None:
    state = MeltanoState.from_json("x", '{"completed": {"singer_state": {"a": 1}}}')
    assert (state.completed_state, state.partial_state) == ({"singer_state": {"a": 1}}, {})
    assert MeltanoState.from_json("x", '{"completed": null}').completed_state is None
    assert state.json() == '{"completed": {"singer_state": {"a": 1}}, "partial": {}}'
    assert state.is_complete() and not MeltanoState("x", completed_state={}).is_complete()
    from_file = MeltanoState.from_file("x", io.StringIO(state.json()))
    assert from_file == state
    with pytest.raises(CorruptStateError):
        MeltanoState.from_json("x", "[1]")


def test_merged_document_and_merge_partial() -> None:
    state = MeltanoState(
        "x",
        partial_state={"singer_state": {"a": {"b": 1}, "l": [1]}},
        completed_state={"singer_state": {"a": {"b": 2, "c": 3}, "l": [2, 3]}},
    )
    assert json.loads(state.json_merged()) == {"singer_state": {"a": {"b": 1, "c": 3}, "l": [1]}}
    assert state.completed_state == {"singer_state": {"a": {"b": 2, "c": 3}, "l": [2, 3]}}
    state.merge_partial(MeltanoState("x", partial_state={"singer_state": {"a": {"d": 4}}}))
    assert state.partial_state == {"singer_state": {"a": {"b": 1, "d": 4}, "l": [1]}}
    assert MeltanoState("y").json_merged() == "{}"


def test_base_class_defaults_behave_as_in_4_4_1() -> None:
    manager = DictManager(lock_timeout_seconds=10, lock_retry_seconds=1)
    manager.update(MeltanoState("a", partial_state={"singer_state": {"p": 1}}))
    manager.update(MeltanoState("a", partial_state={"singer_state": {"q": 2}}))
    assert json.loads(manager.states["a"])["partial"] == {"singer_state": {"p": 1, "q": 2}}
    manager.update(MeltanoState("a", completed_state={"singer_state": {"c": 1}}))
    assert json.loads(manager.states["a"]) == {
        "completed": {"singer_state": {"c": 1}},
        "partial": None,
    }
    assert manager.set_all([MeltanoState("b"), MeltanoState("c")]) == 2
    assert [s.state_id for s in manager.get_all()] == ["a", "b", "c"]
    manager.clear("b")
    assert manager.clear_all() == 2
    assert manager.states == {}
    assert "ids *" in manager.calls  # clear_all asks for every ID with the glob `*`
    with manager as entered:
        assert entered is manager


def test_a_manager_must_implement_the_abstract_methods() -> None:
    class Incomplete(StateStoreManager):
        label = "Incomplete"

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()  # type: ignore[abstract]


def test_writes_go_through_the_lock_as_4_4_1_does() -> None:
    manager = DictManager()
    backend = adapter(manager)
    store.save_state(backend, "id", {"singer_state": {"a": 1}}, complete=True)
    store.save_state(backend, "id", {"singer_state": {"b": 2}}, complete=False)
    store.clear_state(backend, "id")
    assert manager.calls == [
        "lock id retry=1",
        "get id",
        "set id locked=True",
        "lock id retry=1",
        "get id",
        "set id locked=True",
        "lock id retry=1",
        "get id",
        "delete id",
    ]


def test_clear_all_is_the_managers_own() -> None:
    manager = DictManager()
    backend = adapter(manager)
    for state_id in ("a", "b"):
        store.save_state(backend, state_id, {"singer_state": {"x": 1}}, complete=True)
    manager.calls.clear()
    assert store.clear_all(backend) == 2
    assert manager.calls == ["ids *", "lock a retry=1", "delete a", "lock b retry=1", "delete b"]


def test_ids_keep_the_glob_literal_where_an_add_on_is_loose() -> None:
    manager = DictManager()
    manager.states = {"dev:a_b": "{}", "dev:axb": "{}"}
    # the manager returns every ID whatever the pattern, as a LIKE with `_` would over-match
    assert adapter(manager).ids("dev:a_b") == ["dev:a_b"]


def test_add_on_failures_are_meltano_errors_without_secrets() -> None:
    backend = adapter(DictManager(fail="set"))
    with pytest.raises(AddonFailedError) as caught:
        store.save_state(backend, "id", {"singer_state": {"a": 1}}, complete=True)
    assert "could not write state: ConnectionError" in caught.value.reason
    assert "hunter2" not in caught.value.reason
    locked = adapter(DictManager(fail="lock"))
    with pytest.raises(StateIDLockedError) as held:
        store.save_state(locked, "id", {"singer_state": {"a": 1}}, complete=True)
    assert isinstance(held.value, MeltanoError)
    assert held.value.reason == "Could not acquire lock for state_id: id"


def test_manager_is_constructed_as_4_4_1_does() -> None:
    settings = StateBackendSettings(
        uri="dict://x", lock_timeout_seconds=10.0, addon_options={"port": 5432, "flag": False}
    )
    backend = open_addon(DictManager, "dict", settings.uri, settings)
    manager = backend.manager
    assert isinstance(manager, DictManager)
    assert manager.uri == "dict://x"
    assert manager.kwargs == {
        "lock_timeout_seconds": 10,
        "lock_retry_seconds": 1,
        "port": 5432,
        "flag": False,
    }
    assert type(manager.kwargs["lock_timeout_seconds"]) is int


def test_missing_settings_say_how_to_set_them() -> None:
    class NeedsHost(DictManager):
        def __init__(self, uri: str, **kwargs: object) -> None:
            raise MissingStateBackendSettingsError("Dict host is required")

    with pytest.raises(AddonNotConfiguredError) as caught:
        open_addon(NeedsHost, "dict", "dict://", StateBackendSettings(uri="dict://"))
    assert (
        caught.value.reason == "The 'dict' state backend is not configured: Dict host is required"
    )
    assert "MELTANO_STATE_BACKEND_DICT_<SETTING>" in (caught.value.instruction or "")


def test_a_crashing_constructor_is_a_meltano_error() -> None:
    class Unreachable(DictManager):
        def __init__(self, uri: str, **kwargs: object) -> None:
            raise OSError("connection refused to dict://user:pw@host")

    with pytest.raises(AddonFailedError) as caught:
        open_addon(Unreachable, "dict", "dict://", StateBackendSettings(uri="dict://"))
    assert caught.value.reason == (
        "The 'dict' state backend add-on could not start: "
        "OSError: connection refused to dict://****@host"
    )


def test_compatibility_paths_are_ours() -> None:
    from meltano.core import errors
    from meltano.core.error import MeltanoError as CompatError
    from meltano.core.setting_definition import SettingDefinition, SettingKind
    from meltano.core.settings.definitions import SettingDefinition as Ours

    assert CompatError is errors.MeltanoError
    assert issubclass(MissingStateBackendSettingsError, errors.MeltanoError)
    assert isinstance(SettingDefinition(name="x", kind=SettingKind.STRING), Ours)
