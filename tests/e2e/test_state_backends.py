"""The backend contract against real servers: moto (S3), the GCS emulator, Azurite, and
PostgreSQL as the system database. Servers come from tests/services/servers.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from meltano.core.state import store
from meltano.core.state.backend import open_backend
from meltano.core.state.backends.objects import ObjectStoreBackend, StateStorageError
from meltano.core.state.settings import StateBackendSettings
from tests.services.contract import RunLeaseContract, StateBackendContract
from tests.services.servers import (  # noqa: F401 - fixtures used by name
    azurite_connection_string,
    gcs_endpoint,
    postgres_uri,
    s3_endpoint,
)

pytestmark = pytest.mark.slow
LOCKING = {"lock_timeout_seconds": 2.0, "lock_retry_seconds": 0.02}


class ObjectStoreContract(StateBackendContract, RunLeaseContract):
    """Corruption and stale locks are planted straight into the store."""

    @pytest.fixture
    def corrupt(self, backend: ObjectStoreBackend) -> Callable[[str], None]:
        return lambda state_id: backend.store.put(f"{state_id}/state.json", b'{"completed": {')

    @pytest.fixture
    def stale_lock(self, backend: ObjectStoreBackend) -> Callable[[str], None]:
        return lambda state_id: backend.store.put(f"{state_id}/lock", b"1000.0")

    def test_fresh_lock_is_waited_for_then_taken_over(self, backend: ObjectStoreBackend) -> None:
        import time

        backend.store.put("dev:x/lock", repr(time.time()).encode())
        started = time.monotonic()
        store.save_singer_state(backend, "dev:x", {"a": 1}, complete=True)
        waited = time.monotonic() - started
        assert waited >= LOCKING["lock_timeout_seconds"] * 0.9
        assert store.read_state(backend, "dev:x") == {"singer_state": {"a": 1}}

    def test_layout_under_prefix(self, backend: ObjectStoreBackend) -> None:
        store.save_singer_state(backend, "dev:a-to-b", {"a": 1}, complete=True)
        assert sorted(backend.store.list_keys()) == ["dev:a-to-b/state.json"]


class TestS3Backend(ObjectStoreContract):
    @pytest.fixture
    def backend(self, s3_endpoint: str) -> ObjectStoreBackend:
        import boto3

        bucket = f"state-{uuid.uuid4().hex[:12]}"
        boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=bucket)
        settings = StateBackendSettings(
            uri=f"s3://testing:testing@{bucket}/some/prefix",
            options={"s3.endpoint_url": s3_endpoint},
            **LOCKING,
        )
        backend = open_backend(settings)
        assert isinstance(backend, ObjectStoreBackend)
        return backend

    def test_missing_bucket_fails_without_leaking_the_secret(self, s3_endpoint: str) -> None:
        settings = StateBackendSettings(
            uri="s3://AKIAKEY:topsecret@no-such-bucket/p",
            options={"s3.endpoint_url": s3_endpoint},
        )
        backend = open_backend(settings)
        with pytest.raises(StateStorageError) as caught:
            store.save_singer_state(backend, "x", {"a": 1}, complete=True)
        assert "topsecret" not in str(caught.value.reason)


class TestGcsBackend(ObjectStoreContract):
    @pytest.fixture
    def backend(
        self,
        gcs_endpoint: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> ObjectStoreBackend:
        from google.cloud import storage

        monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_endpoint)
        bucket = f"state-{uuid.uuid4().hex[:12]}"
        storage.Client().create_bucket(bucket)
        backend = open_backend(StateBackendSettings(uri=f"gs://{bucket}/prefix", **LOCKING))
        assert isinstance(backend, ObjectStoreBackend)
        return backend

    @staticmethod
    def require_preconditions(backend: ObjectStoreBackend) -> None:
        """gcp-storage-emulator ignores `ifGenerationMatch`; real GCS honours it."""
        key = f"probe-{uuid.uuid4().hex}/lock"
        backend.store.put(key, b"1")
        ignored = backend.store.create(key, b"2") is not None
        backend.store.delete(key)
        if ignored:
            pytest.skip("this GCS server ignores generation preconditions, so locks cannot hold")

    def test_concurrent_updates_lose_nothing(self, backend: ObjectStoreBackend) -> None:
        self.require_preconditions(backend)
        super().test_concurrent_updates_lose_nothing(backend)

    def test_fresh_lock_is_waited_for_then_taken_over(self, backend: ObjectStoreBackend) -> None:
        self.require_preconditions(backend)
        super().test_fresh_lock_is_waited_for_then_taken_over(backend)

    def test_concurrent_stream_clears_and_writes_lose_nothing(
        self, backend: ObjectStoreBackend
    ) -> None:
        self.require_preconditions(backend)
        super().test_concurrent_stream_clears_and_writes_lose_nothing(backend)

    def test_exactly_one_of_twenty_takes_the_lease_ten_times(self, backend: object) -> None:
        assert isinstance(backend, ObjectStoreBackend)
        self.require_preconditions(backend)
        super().test_exactly_one_of_twenty_takes_the_lease_ten_times(backend)

    def test_held_lease_blocks_and_force_overrides(self, backend: object) -> None:
        assert isinstance(backend, ObjectStoreBackend)
        self.require_preconditions(backend)
        super().test_held_lease_blocks_and_force_overrides(backend)


class TestAzureBackend(ObjectStoreContract):
    @pytest.fixture
    def backend(self, azurite_connection_string: str) -> ObjectStoreBackend:
        from azure.storage.blob import BlobServiceClient

        container = f"state-{uuid.uuid4().hex[:12]}"
        service = BlobServiceClient.from_connection_string(azurite_connection_string)
        service.create_container(container)
        settings = StateBackendSettings(
            uri=f"azure://{container}/prefix",
            options={"azure.connection_string": azurite_connection_string},
            **LOCKING,
        )
        backend = open_backend(settings)
        assert isinstance(backend, ObjectStoreBackend)
        return backend

    def test_missing_container_is_a_clear_error(self, azurite_connection_string: str) -> None:
        settings = StateBackendSettings(
            uri="azure://no-such-container/p",
            options={"azure.connection_string": azurite_connection_string},
        )
        with pytest.raises(StateStorageError) as caught:
            open_backend(settings).ids()
        assert "AccountKey=Eby8" not in caught.value.reason


class TestPostgresSystemDb(StateBackendContract, RunLeaseContract):
    @pytest.fixture
    def backend(self, postgres_uri: str) -> Iterator[Any]:
        import sqlalchemy

        from meltano.core.db.engine import create_engine, migrate
        from meltano.core.db.sql import EngineDatabase
        from meltano.core.state.backends.systemdb import SystemDbBackend

        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(postgres_uri)
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
        engine = create_engine(f"{postgres_uri}?options=-csearch_path%3D{schema}")
        migrate(engine)
        yield SystemDbBackend(EngineDatabase(engine))
        with admin.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))

    @pytest.fixture
    def corrupt(self, backend: Any) -> Callable[[str], None]:
        def spoil(state_id: str) -> None:
            import sqlalchemy

            with backend.database.engine.begin() as connection:
                connection.execute(
                    sqlalchemy.text("UPDATE state SET completed_state = '{' WHERE state_id = :i"),
                    {"i": state_id},
                )

        return spoil

    @pytest.fixture
    def stale_lock(self) -> Callable[[str], None]:
        return lambda _state_id: None
