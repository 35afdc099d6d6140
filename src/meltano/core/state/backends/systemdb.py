"""`systemdb`: the `state` table of the system database, as 4.4.1 lays it out.

Each update is one transaction that takes the write lock before it reads: `BEGIN IMMEDIATE`
on SQLite (so concurrent writers queue on the busy timeout instead of failing with "database
is locked"), a transaction-scoped advisory lock per state ID on PostgreSQL, `SELECT ... FOR
UPDATE` elsewhere.
"""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError
from meltano.core.state.backend import Change
from meltano.core.state.lease import Lease, LeaseOwner, NoLease, RunLeaseHeldError
from meltano.core.state.model import CorruptStateError, StoredState, current_or_unreadable
from meltano.core.state.pattern import LIKE_ESCAPE, matches, to_like

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from meltano.core.project.project import Project
    from meltano.core.state.settings import StateBackendSettings


class SystemDbBackend:
    """State rows in the system database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def read(self, state_id: str) -> StoredState:
        with self.engine.connect() as connection:
            return self._read(connection, state_id, lock=False)

    def update(self, state_id: str, change: Change) -> None:
        from sqlalchemy import Table, delete, insert, update

        from meltano.core.db.models import StateRecord

        with self.engine.connect() as connection:
            dialect = connection.dialect.name
            if dialect == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif dialect == "postgresql":
                connection.exec_driver_sql(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%(id)s, 0))", {"id": state_id}
                )
            exists = self._exists(connection, state_id)
            lock = dialect != "sqlite"
            new = change(current_or_unreadable(lambda: self._read(connection, state_id, lock=lock)))
            table = StateRecord.__table__
            assert isinstance(table, Table)  # for the type checker: a mapped class's table
            where = table.c.state_id == state_id
            if new is None:
                connection.execute(delete(table).where(where))
            else:
                values: dict[str, Any] = {
                    "completed_state": json.dumps(dict(new.completed)),
                    "partial_state": json.dumps(dict(new.partial)),
                    "updated_at": datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None),
                }
                if exists:
                    connection.execute(update(table).where(where).values(**values))
                else:
                    connection.execute(insert(table).values(state_id=state_id, **values))
            connection.commit()

    def acquire_lease(
        self, state_id: str, owner: LeaseOwner, *, ttl_seconds: float, force: bool
    ) -> Lease:
        """PostgreSQL: a session advisory lock on a connection kept for the run (the server
        drops it when that connection dies). Elsewhere the runs table guards runs."""
        if self.engine.dialect.name != "postgresql" or force:
            return NoLease()
        connection = self.engine.connect()
        try:
            taken = connection.exec_driver_sql(
                "SELECT pg_try_advisory_lock(hashtextextended(%(key)s, 0))",
                {"key": f"meltano run lease {state_id}"},
            ).scalar()
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            raise RunLeaseHeldError(state_id, None)
        return _SessionLease(connection)

    def ids(self, pattern: str | None = None) -> list[str]:
        from sqlalchemy import select

        from meltano.core.db.models import StateRecord

        statement = select(StateRecord.state_id)
        if pattern is not None:
            statement = statement.where(
                StateRecord.state_id.like(to_like(pattern), escape=LIKE_ESCAPE)
            )
        with self.engine.connect() as connection:
            found = connection.scalars(statement).all()
        # SQLite's LIKE ignores case; the glob does not.
        return sorted(state_id for state_id in found if matches(pattern, state_id))

    def _exists(self, connection: Connection, state_id: str) -> bool:
        from sqlalchemy import select

        from meltano.core.db.models import StateRecord

        statement = select(StateRecord.state_id).where(StateRecord.state_id == state_id)
        return connection.execute(statement).first() is not None

    def _read(self, connection: Connection, state_id: str, *, lock: bool) -> StoredState:
        from sqlalchemy import select

        from meltano.core.db.models import StateRecord

        statement = select(StateRecord.completed_state, StateRecord.partial_state).where(
            StateRecord.state_id == state_id
        )
        if lock:
            statement = statement.with_for_update()
        row = connection.execute(statement).first()
        if row is None:
            return StoredState()
        origin = f"the system database (state ID {state_id!r})"
        return StoredState(
            completed=_document(row.completed_state, origin),
            partial=_document(row.partial_state, origin),
        )


def _document(text: str | None, origin: str) -> dict[str, Any]:
    """A JSON text column; NULL (left by a 4.4.1 import) reads as `{}`."""
    if text is None or text == "":
        return {}
    try:
        value = json.loads(text)
    except ValueError as error:
        raise CorruptStateError(origin, str(error)) from error
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CorruptStateError(origin, "a state column does not hold a JSON object")
    return value


def open_systemdb(
    uri: str, settings: StateBackendSettings, project: Project | None = None
) -> SystemDbBackend:
    """The backend on the project's (migrated) system database."""
    if project is None:
        raise MeltanoError("The systemdb state backend needs a project")
    from meltano.core.db.engine import open_database

    return SystemDbBackend(open_database(project))


class _SessionLease:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def renew(self) -> bool:
        return not self.connection.closed

    def release(self) -> None:
        self.connection.close()  # ends the session, and with it the advisory lock
