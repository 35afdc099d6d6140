"""Fixtures for state backend add-ons: our PostgreSQL add-on (tests/fixtures/packages/
pgstate-backend) installed beside Meltano, with a fresh schema of the CI PostgreSQL per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from meltano.core.settings.addons import addon_definitions
from tests.services.packages import beside_meltano, fixture_package
from tests.services.servers import postgres_uri  # noqa: F401 - fixture


@dataclass(frozen=True)
class PgState:
    """Where the add-on is installed, and the state backend settings of one test."""

    path: Path  # goes on sys.path / PYTHONPATH
    uri: str  # `pgstate://user:password@host:port/db`
    schema: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "MELTANO_STATE_BACKEND_URI": self.uri,
            "MELTANO_STATE_BACKEND_PGSTATE_SCHEMA": self.schema,
        }

    def rows(self) -> list[tuple[str, str, str]]:
        import psycopg

        dsn = self.uri.replace("pgstate://", "postgresql://")
        with psycopg.connect(dsn) as connection:
            query = f"SELECT state_id, completed, partial FROM {self.schema}.meltano_state"
            return [tuple(row) for row in connection.execute(query + " ORDER BY state_id")]


@pytest.fixture(scope="session")
def pgstate_installed() -> Path:
    return beside_meltano("pgstate-backend", [fixture_package("pgstate-backend")])


@pytest.fixture
def pgstate(
    pgstate_installed: Path,
    postgres_uri: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[PgState]:
    """The add-on importable in this process, and a schema that is dropped afterwards."""
    import psycopg

    parts = urlsplit(postgres_uri)
    uri = f"pgstate://{parts.netloc}{parts.path}"
    schema = f"addon_{uuid.uuid4().hex[:12]}"
    monkeypatch.syspath_prepend(str(pgstate_installed))
    addon_definitions.cache_clear()
    yield PgState(pgstate_installed, uri, schema)
    addon_definitions.cache_clear()
    with psycopg.connect(uri.replace("pgstate://", "postgresql://"), autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
