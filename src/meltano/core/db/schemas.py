"""`meltano schema create`: a schema in a PostgreSQL system database that roles may use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meltano.core.db.connect import database_uri
from meltano.core.db.engine import connect_with_retries, create_engine
from meltano.core.db.sql import RetryPolicy, redact_uri
from meltano.core.errors import MeltanoError

if TYPE_CHECKING:
    from meltano.core.project.project import Project

PRIVILEGES = ("USAGE", "CREATE")  # on the schema; plus SELECT on the tables made in it later


@dataclass(frozen=True)
class SchemaGrant:
    """What `create_schema` did: the schema (new or already there) and the roles granted."""

    schema: str
    created: bool
    roles: tuple[str, ...]


class SchemaNotSupportedError(MeltanoError):
    def __init__(self, dialect: str) -> None:
        super().__init__(
            f"The system database is {dialect}, which has no schemas to create",
            "`meltano schema create` works on a PostgreSQL system database: set "
            "`database_uri` (or pass `--database-uri`) to a `postgresql://` URL",
        )


def create_schema(
    project: Project, schema: str, roles: Sequence[str], *, policy: RetryPolicy
) -> SchemaGrant:
    """Create `schema` if it does not exist; grant USAGE and CREATE on it to each role, and
    SELECT on the tables later created in it. All of it or nothing: one transaction."""
    import sqlalchemy

    uri = database_uri(project, project.database_uri_override)
    engine = create_engine(uri)
    try:
        if engine.dialect.name != "postgresql":
            raise SchemaNotSupportedError(_dialect_label(engine.dialect.name))
        connect_with_retries(engine, policy)
        quote = engine.dialect.identifier_preparer.quote_identifier
        with engine.begin() as connection:
            exists = connection.execute(
                sqlalchemy.text("SELECT 1 FROM pg_namespace WHERE nspname = :name"),
                {"name": schema},
            ).first()
            connection.execute(sqlalchemy.text(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}"))
            for role in roles:
                on, to = quote(schema), quote(role)
                connection.execute(
                    sqlalchemy.text(f"GRANT {', '.join(PRIVILEGES)} ON SCHEMA {on} TO {to}")
                )
                connection.execute(
                    sqlalchemy.text(
                        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {on} GRANT SELECT ON TABLES TO {to}"
                    )
                )
    except sqlalchemy.exc.DBAPIError as error:
        raise MeltanoError(
            f"Cannot create schema {schema!r} in {redact_uri(uri)}: {_first_line(error.orig)}",
            "Nothing was changed. Check that every role exists and that the database user may "
            "create schemas",
        ) from error
    finally:
        engine.dispose()
    return SchemaGrant(schema=schema, created=exists is None, roles=tuple(roles))


def _dialect_label(name: str) -> str:
    return {"sqlite": "SQLite", "mssql": "SQL Server", "mysql": "MySQL"}.get(name, name)


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
