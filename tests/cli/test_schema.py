"""`meltano schema create SCHEMA ROLE...` against the PostgreSQL server CI starts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from meltano.core.errors import ExitCode
from tests.conftest import Invoke
from tests.services.servers import postgres_uri  # noqa: F401 - fixture used by name

ROLES = ("meltano", "pg_monitor")  # pg_monitor: a role every PostgreSQL since 10 has


@pytest.fixture
def schema(postgres_uri: str) -> Iterator[str]:
    """A fresh schema name; the schema is dropped afterwards if a test made it."""
    import sqlalchemy

    from meltano.core.db.engine import create_engine

    name = f"Cli Schema {uuid.uuid4().hex[:8]}"  # a space and capitals: it must be quoted
    yield name
    engine = create_engine(postgres_uri)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def privileges(uri: str, schema: str) -> dict[str, object]:
    import sqlalchemy

    from meltano.core.db.engine import create_engine

    engine = create_engine(uri)
    with engine.connect() as connection:
        found = connection.execute(
            sqlalchemy.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}
        ).first()
        if found is None:
            return {"exists": False}
        checks = {
            (role, privilege): connection.execute(
                sqlalchemy.text("SELECT has_schema_privilege(:r, :s, :p)"),
                {"r": role, "s": schema, "p": privilege},
            ).scalar_one()
            for role in ROLES
            for privilege in ("USAGE", "CREATE")
        }
        defaults = connection.execute(
            sqlalchemy.text(
                "SELECT array_to_string(d.defaclacl, ',') FROM pg_default_acl d "
                "JOIN pg_namespace n ON n.oid = d.defaclnamespace WHERE n.nspname = :s"
            ),
            {"s": schema},
        ).scalar_one()
    engine.dispose()
    return {"exists": True, "privileges": checks, "default_acl": defaults}


def test_create_makes_the_schema_and_grants_each_role(
    invoke: Invoke, postgres_uri: str, schema: str
) -> None:
    result = invoke("schema", "create", "--database-uri", postgres_uri, schema, *ROLES)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Created schema '{schema}'; granted USAGE and CREATE to meltano, pg_monitor\n"
    )
    found = privileges(postgres_uri, schema)
    assert found["exists"]
    assert all(found["privileges"].values()), found  # type: ignore[union-attr]
    assert "pg_monitor=r/meltano" in str(found["default_acl"])  # SELECT on future tables
    again = invoke("schema", "create", "--database-uri", postgres_uri, schema, "meltano")
    assert again.exit_code == 0
    assert again.stdout.startswith(f"Kept the existing schema '{schema}'")


def test_an_unknown_role_changes_nothing(invoke: Invoke, postgres_uri: str, schema: str) -> None:
    result = invoke(
        "schema", "create", "--database-uri", postgres_uri, schema, "meltano", "no_such_role_x"
    )
    assert result.exit_code == ExitCode.FAILED
    assert f"Cannot create schema '{schema}'" in result.stderr
    assert 'role "no_such_role_x" does not exist' in result.stderr
    assert "Nothing was changed" in result.stderr
    assert "meltano:meltano@" not in result.stderr  # the password stays out of the message
    assert privileges(postgres_uri, schema) == {"exists": False}


def test_sqlite_is_a_clear_error(invoke: Invoke) -> None:
    result = invoke("schema", "create", "analytics", "reader")
    assert result.exit_code == ExitCode.FAILED
    assert "The system database is SQLite, which has no schemas to create" in result.stderr
    assert "postgresql://" in result.stderr
    assert "Traceback" not in result.output


def test_roles_are_required(invoke: Invoke) -> None:
    result = invoke("schema", "create", "analytics")
    assert result.exit_code == ExitCode.USAGE
    assert "Missing argument 'ROLE...'" in result.stderr
