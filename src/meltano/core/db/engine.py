"""Connect to the system database and bring its schema to our head revision."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.db.connect import (
    EXTENSIONS_HEAD,
    EXTENSIONS_VERSION_TABLE,
    HEAD,
    LEGACY_REVISIONS,
    OLDER_REVISIONS,
    prepare_sqlite,
)
from meltano.core.db.sql import RetryPolicy, configure_sqlite, connect, redact_uri
from meltano.core.errors import MeltanoError
from meltano.core.project.document import file_lock

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine

log = structlog.get_logger(__name__)


def _on_sqlite_connect(connection: Any, _: Any) -> None:
    configure_sqlite(connection)


def with_driver(uri: str) -> str:
    """`postgresql://` and `postgres://` use psycopg 3, the driver we ship."""
    for plain in ("postgresql://", "postgres://"):
        if uri.startswith(plain):
            return "postgresql+psycopg://" + uri.removeprefix(plain)
    return uri


def create_engine(uri: str) -> Engine:
    """An engine: SQLite in WAL mode with a generous busy timeout; no pooling for servers."""
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    uri = with_driver(uri)

    if uri.startswith("sqlite"):
        prepare_sqlite(uri.split("///", 1)[-1] if "///" in uri else None)
    # A file SQLite database keeps its connections (opening and closing one costs a few ms,
    # once per heartbeat otherwise); servers get none, so no connection outlives its use.
    pooling: dict[str, Any] = {} if uri.startswith("sqlite") else {"poolclass": NullPool}
    try:
        engine = sqlalchemy.create_engine(uri, **pooling)
    except (sqlalchemy.exc.ArgumentError, ImportError) as error:
        raise MeltanoError(
            f"Cannot use the system database {redact_uri(uri)}: {error}",
            "Check the `database_uri` setting",
        ) from error
    if engine.dialect.name == "sqlite":
        sqlalchemy.event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def current_revision(bind: Engine | Connection, table: str = "alembic_version") -> str | None:
    """The revision recorded in `table` (4.4.1's `alembic_version` by default), or None."""
    import sqlalchemy

    if not isinstance(bind, sqlalchemy.Connection):
        with bind.connect() as connection:
            return current_revision(connection, table)
    if not sqlalchemy.inspect(bind).has_table(table):
        return None
    row = bind.execute(sqlalchemy.text(f"SELECT version_num FROM {table}")).first()
    return str(row[0]) if row else None


def _revisions(bind: Engine | Connection) -> tuple[str | None, str | None]:
    return current_revision(bind), current_revision(bind, EXTENSIONS_VERSION_TABLE)


def migrate(engine: Engine) -> bool:
    """Bring the schema to HEAD; return True when anything changed.

    Several commands may open a new project's database at the same moment: one migrates,
    under a lock (a file lock beside a SQLite file, an advisory lock on a server), and the
    others find the schema at HEAD when they get the lock.
    """
    import sqlalchemy

    try:
        revisions = _revisions(engine)
    except sqlalchemy.exc.DBAPIError as error:
        raise MeltanoError(
            f"Cannot open the system database {redact_uri(str(engine.url))}: {error.orig}",
            "Check `database_uri` and that the database is reachable",
        ) from error
    if not _needs_migration(*revisions):
        return False
    from alembic import command

    with _migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sqlalchemy.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        revision, extensions = _revisions(connection)
        if not _needs_migration(revision, extensions):
            return False  # another process migrated it while we waited
        if revision in LEGACY_REVISIONS:
            log.info("upgrading a system database made by an older Meltano", revision=revision)
            command.upgrade(_alembic_config(connection, "legacy"), "head")
        if revision != HEAD:
            command.upgrade(_alembic_config(connection, "versions"), "head")
        if extensions != EXTENSIONS_HEAD:
            command.upgrade(
                _alembic_config(connection, "extensions", EXTENSIONS_VERSION_TABLE), "head"
            )
    return True


def _alembic_config(
    connection: Connection, versions: str, version_table: str = "alembic_version"
) -> Config:
    """Alembic on our connection with the revisions of `migrations/<versions>/`.

    `versions/` creates a new database in one step; `legacy/` holds the steps from the
    revisions of Meltano 2.0-4.0 databases to the same HEAD; `extensions/` adds what we keep
    beyond 4.4.1's schema, recorded in its own version table.
    """
    from alembic.config import Config

    migrations = Path(__file__).parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(migrations / versions))
    config.attributes["connection"] = connection
    config.attributes["version_table"] = version_table
    return config


#: The advisory lock PostgreSQL holds while one process migrates (any constant bigint will do).
_MIGRATION_LOCK_KEY = 0x6D656C74616E6F  # "meltano"


def _needs_migration(revision: str | None, extensions: str | None = EXTENSIONS_HEAD) -> bool:
    """False at HEAD; True for an empty database or one from Meltano 2.0-4.0 or 4.4.1
    (without our extensions); an error for revisions we cannot upgrade."""
    if extensions not in (None, EXTENSIONS_HEAD):
        raise MeltanoError(
            f"Cannot upgrade the system database: its {EXTENSIONS_VERSION_TABLE} table is at "
            f"unknown revision {extensions}",
            "It may come from a newer version of this Meltano; point `database_uri` elsewhere",
        )
    if revision == HEAD:
        return extensions is None
    if revision is None or revision in LEGACY_REVISIONS:
        return True
    if revision in OLDER_REVISIONS:
        raise MeltanoError(
            f"The system database is at revision {revision}, from a Meltano older than 2.0",
            "Upgrade it once with Meltano 4.4.1 (`meltano upgrade database`), then use it here",
        )
    raise MeltanoError(
        f"Cannot upgrade the system database: it is at unknown revision {revision}",
        "It may be corrupted or come from a newer Meltano; point `database_uri` elsewhere",
    )


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """For a SQLite file, an exclusive lock on `<file>.lock` beside it; servers lock in SQL."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    with file_lock(Path(f"{path}.lock")):
        yield


def connect_with_retries(
    engine: Engine, policy: RetryPolicy, *, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Open (and close) one connection, retrying as the policy says; fail with a clear error."""
    connect(engine, policy, sleep=sleep).close()


def migrated_engine(uri: str, policy: RetryPolicy | None = None) -> Engine:
    """An engine for `uri`, connected (with retries for servers) and at HEAD."""
    engine = create_engine(uri)
    try:
        connect_with_retries(engine, policy or RetryPolicy())
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def upgrade_database(uri: str, policy: RetryPolicy) -> bool:
    """Migrate the system database at `uri`; True when a migration ran."""
    engine = create_engine(uri)
    try:
        connect_with_retries(engine, policy)
        return migrate(engine)
    finally:
        engine.dispose()
