"""`meltano state` and `upgrade database` with PostgreSQL as the system database."""

from __future__ import annotations

from tests.conftest import Invoke
from tests.services.servers import postgres_schema_uri, postgres_uri  # noqa: F401 - fixtures


def test_state_round_trip_in_postgres(invoke: Invoke, postgres_schema_uri: str) -> None:
    import sqlalchemy

    from meltano.core.db.engine import create_engine

    env = {"MELTANO_DATABASE_URI": postgres_schema_uri}
    set_result = invoke(
        "state", "set", "--force", "dev:a-to-b", '{"singer_state": {"a": 1}}', env=env
    )
    assert set_result.exit_code == 0, set_result.stderr
    assert (
        invoke("state", "merge", "dev:a-to-b", '{"singer_state": {"b": 2}}', env=env).exit_code == 0
    )
    assert (
        invoke("state", "get", "dev:a-to-b", env=env).stdout == '{"singer_state":{"a":1,"b":2}}\n'
    )
    with create_engine(postgres_schema_uri).connect() as connection:
        revision = connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version"))
        assert revision.scalar_one() == "c0efb3c314eb"  # 4.4.1's head: it reads the database
        extensions = connection.execute(
            sqlalchemy.text("SELECT version_num FROM meltano_extensions_version")
        )
        assert extensions.scalar_one() == "7a1c5e0b9d2f"
        assert "summary" in {c["name"] for c in sqlalchemy.inspect(connection).get_columns("runs")}
        rows = connection.execute(sqlalchemy.text("SELECT state_id FROM state")).scalars().all()
    assert rows == ["dev:a-to-b"]
    again = invoke("upgrade", "database", "--database-uri", postgres_schema_uri)
    assert again.stdout.endswith("System database up-to-date.\n")
