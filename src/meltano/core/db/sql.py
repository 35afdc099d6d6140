"""One small SQL interface over the system database, whatever it is.

The run path talks to the system database a handful of times (a run row, heartbeats, state,
stored settings), and importing SQLAlchemy would cost more CPU and memory than the rest of a
run together. So statements are plain SQL text with `:name` parameters, executed through:

- `SqliteDatabase`: the standard library's `sqlite3`, for the default SQLite file;
- `EngineDatabase`: a SQLAlchemy engine, for PostgreSQL and every other URL.

Both store values exactly as SQLAlchemy's column types do (see `models.py`), so rows written
through either read the same through the other and through Meltano 4.4.1.
"""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

Params = Mapping[str, Any]
Row = Sequence[Any]
BUSY_TIMEOUT_MS = 30_000
# SQLAlchemy's DateTime on SQLite: text with microseconds always written.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


class Transaction(Protocol):
    """Statements inside one transaction."""

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        """Run a query and fetch all its rows."""
        ...

    def run(self, sql: str, params: Params | None = None) -> int:
        """Run a statement; return how many rows it changed."""
        ...

    def insert(self, table: str, values: Params) -> int:
        """Insert one row into a table with an integer `id` key; return that id."""
        ...


class Database(Protocol):
    """The system database."""

    dialect: str

    def transaction(self, *, write: bool = False) -> contextlib.AbstractContextManager[Transaction]:
        """A transaction, committed when the block succeeds. `write=True` takes SQLite's write
        lock at the start, so a read-then-write never fails half way with "database is locked"."""
        ...

    def close(self) -> None: ...


def as_datetime(value: Any) -> datetime.datetime | None:
    """A DateTime column's value, as text (SQLite) or a datetime (servers)."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))


def as_uuid_text(value: Any) -> str:
    """A Uuid column's value (32 hex characters on SQLite, native elsewhere), dashed."""
    if value is None or value == "":
        return ""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def configure_sqlite(connection: Any) -> None:
    """WAL, so readers never wait for the writer; a long busy timeout, so writers queue."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # In WAL mode NORMAL never corrupts the database and keeps every commit through a
    # process crash (kill -9); only a power loss may drop the last commits. FULL would fsync
    # on every heartbeat and state flush (about 10 ms each).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _insert_sql(table: str, values: Params) -> str:
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


class _SqliteTransaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        return self.connection.execute(sql, _sqlite_params(params)).fetchall()

    def run(self, sql: str, params: Params | None = None) -> int:
        return self.connection.execute(sql, _sqlite_params(params)).rowcount

    def insert(self, table: str, values: Params) -> int:
        cursor = self.connection.execute(_insert_sql(table, values), _sqlite_params(values))
        return int(cursor.lastrowid or 0)


def _sqlite_params(params: Params | None) -> dict[str, Any]:
    """Convert values the way SQLAlchemy's SQLite column types store them."""
    converted: dict[str, Any] = {}
    for name, value in (params or {}).items():
        if isinstance(value, datetime.datetime):
            value = value.strftime(SQLITE_DATETIME)
        elif isinstance(value, uuid.UUID):
            value = value.hex
        elif isinstance(value, bool):
            value = int(value)
        converted[name] = value
    return converted


class SqliteDatabase:
    """A SQLite file through the standard library: WAL, a long busy timeout, one connection
    shared by this process's threads (the heartbeat's included) under a lock."""

    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        configure_sqlite(self._connection)

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Transaction]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield _SqliteTransaction(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._connection.close()


class _EngineTransaction:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        from sqlalchemy import text

        return [tuple(row) for row in self.connection.execute(text(sql), dict(params or {}))]

    def run(self, sql: str, params: Params | None = None) -> int:
        from sqlalchemy import text

        return int(self.connection.execute(text(sql), dict(params or {})).rowcount)

    def insert(self, table: str, values: Params) -> int:
        from sqlalchemy import text

        statement = text(_insert_sql(table, values) + " RETURNING id")
        return int(self.connection.execute(statement, dict(values)).scalar_one())


class EngineDatabase:
    """Any database SQLAlchemy reaches (PostgreSQL in practice)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = str(engine.dialect.name)

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Transaction]:
        with self.engine.connect() as connection:
            if write and self.dialect == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield _EngineTransaction(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def close(self) -> None:
        self.engine.dispose()
