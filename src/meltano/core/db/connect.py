"""Open the system database: the standard library for a SQLite file, SQLAlchemy otherwise.

Either way the schema is brought to our head revision first. Alembic (and with it
SQLAlchemy) is only imported when a migration is due, or for a database server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from meltano.core.db.sql import (
    Database,
    EngineDatabase,
    SqliteDatabase,
    sqlite_failure,
)
from meltano.core.errors import MeltanoError

if TYPE_CHECKING:
    from meltano.core.db.sql import RetryPolicy
    from meltano.core.project.project import Project

HEAD = "c0efb3c314eb"
# The revisions databases made by Meltano 2.0 to 4.0 are at, oldest first (2.0-2.1, 2.2-2.6,
# 2.7, 2.8-4.0); migrations/legacy/ brings each of them to HEAD.
LEGACY_REVISIONS = ("13e8639c6d2b", "5b43800443d1", "f4c225a9492f", "6828cc5b1a4f")
# Revisions of Meltano 1.x databases, which we do not upgrade.
OLDER_REVISIONS = (
    "b4c05e463b53",
    "6ef30ab7b8e5",
    "53e97221d99f",
    "a3e2b0a4937d",
    "990c0665f3ce",
    "ceb00d7ff3bd",
    "23ea52e6d784",
    "87d9638f6ac6",
    "367228df6a43",
    "e4fbabc3fed6",
    "d135f52a6f49",
)
CURRENT_REVISIONS = (HEAD,)
# What we add to 4.4.1's schema (a run's summary) is a chain of its own in migrations/extensions/,
# recorded in a version table of its own: `alembic_version` stays at HEAD, so Meltano 4.4.1
# still reads the database as its own (it ignores a nullable column and a table it does not know).
EXTENSIONS_HEAD = "7a1c5e0b9d2f"
EXTENSIONS_VERSION_TABLE = "meltano_extensions_version"
SQLITE_MINIMUM = (3, 25, 1)


def default_uri(project: Project) -> str:
    return f"sqlite:///{project.sys_dir / 'meltano.db'}"


def database_uri(project: Project, override: str | None = None) -> str:
    """`--database-uri`, else MELTANO_DATABASE_URI, else `database_uri`, else SQLite in .meltano."""
    value = override or project.lookup("MELTANO_DATABASE_URI")
    if not value:
        configured = project.files.root.data.get("database_uri")
        value = str(configured) if configured else None
    if not value:
        return default_uri(project)
    return (
        value.replace("$MELTANO_SYS_DIR_ROOT", str(project.sys_dir))
        .replace("${MELTANO_SYS_DIR_ROOT}", str(project.sys_dir))
        .replace("$MELTANO_PROJECT_ROOT", str(project.root))
        .replace("${MELTANO_PROJECT_ROOT}", str(project.root))
    )


def sqlite_file(uri: str) -> str | None:
    """The file of a plain `sqlite:///path` URL, or None for anything else (memory
    databases, URL query options, other drivers) which SQLAlchemy then handles."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if uri.startswith(prefix):
            path = uri[len(prefix) :]
            if path and path != ":memory:" and "?" not in path:
                return path
    return None


def create_database(project: Project, override: str | None = None) -> None:
    """Create the project's system database at our head revision, as `meltano init` does."""
    open_url(database_uri(project, override)).close()


def open_url(uri: str, policy: RetryPolicy | None = None) -> Database:
    """A database URL, connected (with retries for servers) and migrated."""
    path = sqlite_file(uri)
    if path is not None:
        database = _open_sqlite(path, uri)
        if _sqlite_revisions(database, uri) == (HEAD, EXTENSIONS_HEAD):
            return database
        database.close()
        from meltano.core.db.engine import migrated_engine

        migrated_engine(uri).dispose()  # Alembic creates or upgrades the file
        return _open_sqlite(path, uri)
    from meltano.core.db.engine import migrated_engine

    return EngineDatabase(migrated_engine(uri, policy), policy)


def prepare_sqlite(path: str | None) -> None:
    """Check this Python's SQLite, and create the directory of database file `path`."""
    if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
        raise MeltanoError(
            f"Detected SQLite {sqlite3.sqlite_version}, but Meltano requires at least "
            f"{'.'.join(map(str, SQLITE_MINIMUM))}",
            "Use a Python built with a newer SQLite",
        )
    if not path or path == ":memory:":
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MeltanoError(
            f"Cannot create the directory of the system database {path}: {error.strerror}",
            "Check `database_uri` and the directory's permissions",
        ) from error


def _open_sqlite(path: str, uri: str) -> SqliteDatabase:
    prepare_sqlite(path)
    try:
        return SqliteDatabase(path)
    except sqlite3.Error as error:
        raise sqlite_failure(path, error) or _cannot_open(uri, error) from error


def _sqlite_revisions(database: SqliteDatabase, uri: str) -> tuple[str | None, str | None]:
    """The revisions of 4.4.1's schema and of our extensions (None where not recorded)."""
    tables = ("alembic_version", EXTENSIONS_VERSION_TABLE)
    revisions: list[str | None] = []
    try:
        with database.transaction() as transaction:
            found = {
                str(row[0])
                for row in transaction.rows(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name IN (:core, :extensions)",
                    {"core": tables[0], "extensions": tables[1]},
                )
            }
            for table in tables:
                rows = (
                    transaction.rows(f"SELECT version_num FROM {table}") if table in found else []
                )
                revisions.append(str(rows[0][0]) if rows else None)
    except sqlite3.Error as error:
        database.close()
        raise _cannot_open(uri, error) from error
    except MeltanoError:
        database.close()
        raise
    return revisions[0], revisions[1]


def _cannot_open(uri: str, error: sqlite3.Error) -> MeltanoError:
    return MeltanoError(
        f"Cannot open the system database {uri}: {error}",
        "Check `database_uri`, and that the file is a SQLite database you may write",
    )
