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

from meltano.core.db.sql import EngineDatabase
from meltano.core.errors import MeltanoError
from meltano.core.settings.database import open_database
from meltano.core.state.backend import Change
from meltano.core.state.lease import Lease, LeaseOwner, NoLease, RunLeaseHeldError
from meltano.core.state.model import CorruptStateError, StoredState, current_or_unreadable
from meltano.core.state.pattern import LIKE_ESCAPE, matches, to_like

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from meltano.core.db.sql import Database, Transaction
    from meltano.core.project.project import Project
    from meltano.core.state.settings import StateBackendSettings


class SystemDbBackend:
    """State rows in the system database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def read(self, state_id: str) -> StoredState:
        with self.database.transaction() as transaction:
            return self._read(transaction, state_id, lock=False)

    def update(self, state_id: str, change: Change) -> None:
        dialect = self.database.dialect
        with self.database.transaction(write=True) as transaction:
            if dialect == "postgresql":
                transaction.rows(
                    "SELECT pg_advisory_xact_lock(hashtextextended(:id, 0))", {"id": state_id}
                )
            exists = bool(
                transaction.rows("SELECT 1 FROM state WHERE state_id = :id", {"id": state_id})
            )
            lock = dialect != "sqlite"
            new = change(
                current_or_unreadable(lambda: self._read(transaction, state_id, lock=lock))
            )
            if new is None:
                transaction.run("DELETE FROM state WHERE state_id = :id", {"id": state_id})
                return
            values: dict[str, Any] = {
                "state_id": state_id,
                "completed_state": json.dumps(dict(new.completed)),
                "partial_state": json.dumps(dict(new.partial)),
                "updated_at": datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None),
            }
            if exists:
                transaction.run(
                    "UPDATE state SET completed_state = :completed_state, "
                    "partial_state = :partial_state, updated_at = :updated_at "
                    "WHERE state_id = :state_id",
                    values,
                )
            else:
                transaction.run(
                    "INSERT INTO state (state_id, completed_state, partial_state, updated_at) "
                    "VALUES (:state_id, :completed_state, :partial_state, :updated_at)",
                    values,
                )

    def acquire_lease(
        self, state_id: str, owner: LeaseOwner, *, ttl_seconds: float, force: bool
    ) -> Lease:
        """PostgreSQL: a session advisory lock on a connection kept for the run (the server
        drops it when that connection dies). Elsewhere the runs table guards runs."""

        if not isinstance(self.database, EngineDatabase) or force:
            return NoLease()
        if self.database.dialect != "postgresql":
            return NoLease()
        connection = self.database.engine.connect()
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
        query, params = "SELECT state_id FROM state", {}
        if pattern is not None:
            query += " WHERE state_id LIKE :pattern ESCAPE :escape"
            params = {"pattern": to_like(pattern), "escape": LIKE_ESCAPE}
        with self.database.transaction() as transaction:
            found = [str(row[0]) for row in transaction.rows(query, params)]
        # SQLite's LIKE ignores case; the glob does not.
        return sorted(state_id for state_id in found if matches(pattern, state_id))

    def _read(self, transaction: Transaction, state_id: str, *, lock: bool) -> StoredState:
        query = "SELECT completed_state, partial_state FROM state WHERE state_id = :id"
        if lock:
            query += " FOR UPDATE"
        rows = transaction.rows(query, {"id": state_id})
        if not rows:
            return StoredState()
        origin = f"the system database (state ID {state_id!r})"
        completed, partial = rows[0]
        return StoredState(
            completed=_document(completed, origin),
            partial=_document(partial, origin),
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

    return SystemDbBackend(open_database(project))


class _SessionLease:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def renew(self) -> bool:
        return not self.connection.closed

    def release(self) -> None:
        self.connection.close()  # ends the session, and with it the advisory lock
