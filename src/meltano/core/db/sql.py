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
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from meltano.core.errors import MeltanoError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

Params = Mapping[str, Any]
Row = Sequence[Any]
BUSY_TIMEOUT_MS = 30_000
# SQLAlchemy's DateTime on SQLite: text with microseconds always written.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
# SQLite's primary result codes (Python 3.10's sqlite3 has no names for them).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_FULL = 5, 6, 10, 13
#: Below this much free space, an I/O error of SQLite (growing its WAL or shared memory) is
#: taken for what it nearly always is: a full disk.
_NEARLY_FULL_BYTES = 1 << 20

log = structlog.get_logger(__name__)


class DatabaseLockedError(MeltanoError):
    """Another process held the SQLite file's lock for longer than the busy timeout."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"The system database {path} is locked: another process has held it for more "
            f"than {BUSY_TIMEOUT_MS // 1000} s",
            "Wait for the other process using it (another meltano, or a tool with the file "
            "open) to finish, then run the command again",
        )


class DatabaseUnreachableError(MeltanoError):
    """The database server cannot be reached, after every retry `database_max_retries` allows."""


@dataclass(frozen=True)
class RetryPolicy:
    """`database_max_retries` and `database_retry_timeout` (seconds between attempts)."""

    max_retries: int = 3
    retry_timeout: float = 5.0


def redact_uri(uri: str) -> str:
    """Hide the password in a database URL before it reaches a log or an error."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1********@", uri)


def connect(
    engine: Engine, policy: RetryPolicy, *, sleep: Callable[[float], None] = time.sleep
) -> Connection:
    """A connection, retrying as the policy says; a clear error naming the server otherwise."""
    import sqlalchemy

    # A local SQLite file that cannot be opened will not open on a later attempt either.
    max_retries = 0 if engine.dialect.name == "sqlite" else policy.max_retries
    attempt = 0
    while True:
        try:
            return engine.connect()
        except sqlalchemy.exc.OperationalError as error:
            attempt += 1
            if attempt > max_retries:
                raise DatabaseUnreachableError(
                    f"Cannot connect to the system database {redact_uri(str(engine.url))} "
                    f"after {attempt} attempts: {_first_line(error.orig)}",
                    "Check `database_uri` and that the database server is reachable",
                ) from error
            log.warning(
                "database connection failed, retrying",
                retry_in_seconds=policy.retry_timeout,
                attempt=f"{attempt}/{max_retries}",
                error=_first_line(error.orig),
            )
            sleep(policy.retry_timeout)


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _nearly_full(path: str) -> bool:
    try:
        usage = os.statvfs(Path(path).resolve().parent)
    except OSError:
        return False
    return usage.f_bavail * usage.f_frsize < _NEARLY_FULL_BYTES


def _sqlite_code(error: BaseException) -> int | None:
    """The primary result code of a sqlite3 error (Python 3.10: guessed from the message)."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(error)
    if "locked" in text:
        return _SQLITE_BUSY
    return _SQLITE_FULL if "disk is full" in text else None


def sqlite_failure(path: str, error: sqlite3.Error) -> MeltanoError | None:
    """The user's error for a SQLite failure that is not a bug, or None."""
    code = _sqlite_code(error)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DatabaseLockedError(path)
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and _nearly_full(path)):
        return MeltanoError(
            f"Cannot write the system database {path}: the disk is full",
            "Free some space on its disk, then run the command again",
        )
    return None


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
            try:
                self._connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield _SqliteTransaction(self._connection)
                except BaseException:
                    if self._connection.in_transaction:
                        self._connection.execute("ROLLBACK")
                    raise
                self._connection.execute("COMMIT")
            except sqlite3.Error as error:
                failure = sqlite_failure(self.path, error)
                if failure is None:
                    raise
                if self._connection.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._connection.execute("ROLLBACK")
                raise failure from error

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
    """Any database SQLAlchemy reaches (PostgreSQL in practice).

    Every transaction opens its own connection (servers are not pooled), retrying as `policy`
    says, so a server that goes away mid-run is retried at the next write, then reported.
    """

    def __init__(self, engine: Engine, policy: RetryPolicy | None = None) -> None:
        self.engine = engine
        self.dialect = str(engine.dialect.name)
        self.policy = policy or RetryPolicy()

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Transaction]:
        import sqlalchemy

        with connect(self.engine, self.policy) as connection:
            try:
                if write and self.dialect == "sqlite":
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield _EngineTransaction(connection)
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
            except sqlalchemy.exc.OperationalError as error:
                raise self._failure(error) from error

    def _failure(self, error: Any) -> MeltanoError:
        """A lost server, or (SQLite through SQLAlchemy) a locked or full file."""
        if self.dialect == "sqlite" and isinstance(error.orig, sqlite3.Error):
            failure = sqlite_failure(str(self.engine.url.database), error.orig)
            if failure is not None:
                return failure
        return DatabaseUnreachableError(
            f"Lost the connection to the system database {redact_uri(str(self.engine.url))}: "
            f"{_first_line(error.orig)}",
            "Check that the database server is running and reachable, then run the command "
            "again; state stored before the loss is kept",
        )

    def close(self) -> None:
        self.engine.dispose()
