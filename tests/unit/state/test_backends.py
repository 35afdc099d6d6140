"""The backend contract on the backends that need no server: memory, file, systemdb (SQLite)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.state import store
from meltano.core.state.backend import UnknownBackendError, known_schemes, open_backend
from meltano.core.state.backends.file import FileBackend
from meltano.core.state.backends.memory import MemoryBackend
from meltano.core.state.backends.systemdb import SystemDbBackend
from meltano.core.state.settings import StateBackendSettings
from tests.services.contract import RunLeaseContract, StateBackendContract

FAST = StateBackendSettings(lock_timeout_seconds=1, lock_retry_seconds=0.01)


class TestMemoryBackend(StateBackendContract, RunLeaseContract):
    @pytest.fixture
    def backend(self) -> MemoryBackend:
        return MemoryBackend()

    @pytest.fixture
    def corrupt(self) -> Callable[[str], None]:
        pytest.skip("memory holds parsed values; nothing can be torn")

    @pytest.fixture
    def stale_lock(self) -> Callable[[str], None]:
        return lambda _state_id: None


class TestFileBackend(StateBackendContract, RunLeaseContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> FileBackend:
        return FileBackend(tmp_path / "state", FAST)

    @pytest.fixture
    def corrupt(self, backend: FileBackend) -> Callable[[str], None]:
        return lambda state_id: backend.state_file(state_id).write_text('{"completed": {"sin')

    @pytest.fixture
    def stale_lock(self, backend: FileBackend) -> Callable[[str], None]:
        def leave(state_id: str) -> None:
            lock = backend.root / state_id / "lock"
            lock.parent.mkdir(parents=True)
            lock.write_text(str(time.time()))  # nobody holds the flock any more

        return leave


class TestSystemDbBackend(StateBackendContract):
    @pytest.fixture
    def backend(self, tmp_path: Path) -> SystemDbBackend:
        from meltano.core.db.connect import open_url

        return SystemDbBackend(open_url(f"sqlite:///{tmp_path / 'meltano.db'}"))

    @pytest.fixture
    def corrupt(self, backend: SystemDbBackend) -> Callable[[str], None]:
        def spoil(state_id: str) -> None:
            with backend.database.transaction(write=True) as transaction:
                transaction.run(
                    "UPDATE state SET completed_state = '{\"sin' WHERE state_id = :i",
                    {"i": state_id},
                )

        return spoil

    @pytest.fixture
    def stale_lock(self) -> Callable[[str], None]:
        return lambda _state_id: None  # transactions die with their connection


def test_file_layout_matches_4_4_1(tmp_path: Path) -> None:
    backend = FileBackend(tmp_path, FAST)
    store.save_state(backend, "dev:a-to-b", {"singer_state": {"a": 1}}, complete=True)
    assert sorted(p.name for p in (tmp_path / "dev:a-to-b").iterdir()) == ["state.json"]
    assert json.loads((tmp_path / "dev:a-to-b" / "state.json").read_text()) == {
        "completed": {"singer_state": {"a": 1}},
        "partial": {},
    }
    store.clear_state(backend, "dev:a-to-b")
    assert not (tmp_path / "dev:a-to-b").exists()


def test_file_backend_rejects_ids_that_escape_the_root(tmp_path: Path) -> None:
    backend = FileBackend(tmp_path / "state", FAST)
    for bad in ("../x", "a/b", "..", ""):
        with pytest.raises(MeltanoError):
            backend.read(bad)


def test_systemdb_reads_null_columns_left_by_4_4_1_import(tmp_path: Path) -> None:
    import sqlalchemy

    from meltano.core.db.engine import create_engine, migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'meltano.db'}")
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                "INSERT INTO state (state_id, partial_state, completed_state) "
                "VALUES ('x', NULL, '{\"singer_state\": {\"a\": 1}}')"
            )
        )
    from meltano.core.db.connect import open_url

    database = open_url(f"sqlite:///{tmp_path / 'meltano.db'}")
    assert store.read_state(SystemDbBackend(database), "x") == {"singer_state": {"a": 1}}


def test_unknown_scheme_lists_known_backends() -> None:
    with pytest.raises(UnknownBackendError) as caught:
        open_backend(StateBackendSettings(uri="foo://bar"))
    assert "No state backend found for scheme 'foo'" in caught.value.reason
    assert "systemdb, azure, file, gs, s3" in caught.value.reason
    assert known_schemes()[:5] == ["systemdb", "azure", "file", "gs", "s3"]


def test_s3_uri_with_only_a_key_is_rejected_without_echoing_it() -> None:
    settings = StateBackendSettings(
        uri="s3://bucket/prefix", options={"s3.aws_access_key_id": "AKIASECRETID"}
    )
    with pytest.raises(MeltanoError) as caught:
        open_backend(settings)
    assert "AKIASECRETID" not in f"{caught.value.reason} {caught.value.instruction}"


def test_azure_uri_needs_a_container() -> None:
    with pytest.raises(MeltanoError, match="container name"):
        open_backend(StateBackendSettings(uri="azure://"))


def test_unreachable_s3_endpoint_fails_fast_without_the_secret() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    settings = StateBackendSettings(
        uri="s3://AKIAKEYID:hunter2secret@bucket/prefix",
        options={"s3.endpoint_url": f"http://127.0.0.1:{port}"},
    )
    started = time.monotonic()
    with pytest.raises(MeltanoError) as caught:
        open_backend(settings).ids()
    assert time.monotonic() - started < 30
    assert "hunter2secret" not in f"{caught.value.reason} {caught.value.instruction}"
    assert "127.0.0.1" in caught.value.reason


def test_addon_backend_by_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from meltano.core.state.backends.addon import AddonBackend
    from tests.unit.state.test_addon_api import DictManager

    addon = importlib.metadata.EntryPoint(
        name="addon",
        value="tests.unit.state.test_addon_api:DictManager",
        group="meltano.state_backends",
    )

    def entry_points(**selection: str) -> list[importlib.metadata.EntryPoint]:
        return [addon] if selection.get("group") == "meltano.state_backends" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    backend = open_backend(StateBackendSettings(uri="addon://somewhere"))
    assert isinstance(backend, AddonBackend)
    assert isinstance(backend.manager, DictManager)
    assert backend.manager.uri == "addon://somewhere"
    assert "addon" in known_schemes()
    with pytest.raises(UnknownBackendError) as caught:
        open_backend(StateBackendSettings(uri="other://x"))
    assert caught.value.reason.endswith("s3, addon")


def test_builtin_schemes_never_read_package_metadata() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from meltano.core.state.backend import factory_for\n"
        "for scheme in ('systemdb', 'file', 's3', 'gs', 'azure'): factory_for(scheme)\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == "False\n"
