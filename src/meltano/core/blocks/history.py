"""Run records in the system database: start, heartbeat, finish, and stale-run clean-up.

The `runs` table is shared with Meltano 4.4.1 (it calls the state ID `job_name`), so rows
written here read the same there: naive UTC times, state names as text, run IDs as 32 hex
characters, `payload` as JSON text. The `summary` column is ours (migrations/extensions/):
the run's end-of-run summary as JSON text, empty for rows 4.4.1 wrote.
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meltano.core.db.sql import as_datetime, as_uuid_text
from meltano.core.errors import MeltanoError

if TYPE_CHECKING:
    from meltano.core.db.sql import Database, Row, Transaction

HEARTBEAT_SECONDS = 1.0
STALE_AFTER_HEARTBEAT = datetime.timedelta(minutes=5)
STALE_WITHOUT_HEARTBEAT = datetime.timedelta(hours=24)
NO_HEARTBEAT_ERROR = (
    "No heartbeat recorded for 5 minutes. The process was likely killed unceremoniously."
)
TOO_OLD_ERROR = "Still running after 24 hours. The process was likely killed unceremoniously."
PAYLOAD_NONE, PAYLOAD_COMPLETE, PAYLOAD_PARTIAL = 0, 1, 2
# The `runs.state` values: IDLE, RUNNING, SUCCESS, FAIL, DEAD and STATE_EDIT, stored by name.


def utcnow() -> datetime.datetime:
    """Now, as the naive UTC time the runs table stores."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class RunSummary:
    """One row of run history, as `logs list` and concurrency checks need it."""

    id: int
    state_id: str
    run_id: str
    state: str
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    last_heartbeat_at: datetime.datetime | None
    trigger: str | None
    payload: dict[str, Any]
    summary: dict[str, Any] | None = None  # the step document of core/runs/summary.py

    @property
    def valid_until(self) -> datetime.datetime | None:
        """When a RUNNING row with this heartbeat becomes stale."""
        if self.last_heartbeat_at is not None:
            return self.last_heartbeat_at + STALE_AFTER_HEARTBEAT
        if self.started_at is not None:
            return self.started_at + STALE_WITHOUT_HEARTBEAT
        return None


COLUMNS = (
    "id, job_name, run_id, state, started_at, ended_at, last_heartbeat_at, trigger, payload, "
    "summary"
)


def _payload(text: str | None) -> dict[str, Any]:
    """A run's `payload` column as a mapping; empty when missing or not a JSON object."""
    try:
        payload = json.loads(text) if text else {}
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _summary(row: Row) -> RunSummary:
    row_id, job_name, run_id, state, started, ended, heartbeat, trigger, text, summary = row
    return RunSummary(
        id=int(row_id),
        state_id=job_name or "",
        run_id=as_uuid_text(run_id),
        state=state or "",
        started_at=as_datetime(started),
        ended_at=as_datetime(ended),
        last_heartbeat_at=as_datetime(heartbeat),
        trigger=trigger,
        payload=_payload(text),
        summary=_payload(summary) or None,
    )


def stale_reason(row: RunSummary, now: datetime.datetime) -> str | None:
    """Why a RUNNING row is stale, or None while it is alive."""
    if row.last_heartbeat_at is not None:
        if now - row.last_heartbeat_at > STALE_AFTER_HEARTBEAT:
            return NO_HEARTBEAT_ERROR
        return None
    if row.started_at is not None and now - row.started_at > STALE_WITHOUT_HEARTBEAT:
        return TOO_OLD_ERROR
    return None


class RunHistory:
    """Reads and writes run records in the system database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def mark_stale(self, state_id: str | None = None) -> list[tuple[RunSummary, str]]:
        """Fail RUNNING rows (of one state ID, or all) whose process is evidently gone."""
        now = utcnow()
        marked: list[tuple[RunSummary, str]] = []
        query = f"SELECT {COLUMNS} FROM runs WHERE state = 'RUNNING'"
        params: dict[str, Any] = {}
        if state_id is not None:
            query += " AND job_name = :job_name"
            params["job_name"] = state_id
        with self.database.transaction(write=True) as transaction:
            for row in transaction.rows(query, params):
                summary = _summary(row)
                reason = stale_reason(summary, now)
                if reason is not None:
                    self._fail(transaction, summary.id, reason, now)
                    marked.append((summary, reason))
        return marked

    def fail_run(self, run_id: str, reason: str) -> bool:
        """Fail a RUNNING row by run ID (its process is known to be gone)."""
        with self.database.transaction(write=True) as transaction:
            rows = transaction.rows(
                "SELECT id FROM runs WHERE run_id = :run_id AND state = 'RUNNING'",
                {"run_id": uuid.UUID(run_id)},
            )
            if not rows:
                return False
            self._fail(transaction, int(rows[0][0]), reason, utcnow())
            return True

    @staticmethod
    def _fail(transaction: Transaction, row_id: int, reason: str, now: datetime.datetime) -> None:
        rows = transaction.rows("SELECT payload FROM runs WHERE id = :id", {"id": row_id})
        payload = _payload(rows[0][0] if rows else None)
        payload["error"] = reason
        transaction.run(
            "UPDATE runs SET payload = :payload, state = :state, ended_at = :ended WHERE id = :id",
            {"payload": json.dumps(payload), "state": "FAIL", "ended": now, "id": row_id},
        )

    def running(self, state_id: str) -> list[RunSummary]:
        """RUNNING rows of a state ID that are not stale."""
        now = utcnow()
        with self.database.transaction() as transaction:
            rows = transaction.rows(
                f"SELECT {COLUMNS} FROM runs WHERE job_name = :job_name AND state = 'RUNNING'",
                {"job_name": state_id},
            )
        summaries = [_summary(row) for row in rows]
        return [summary for summary in summaries if stale_reason(summary, now) is None]

    def start(self, state_id: str, run_id: str, *, trigger: str) -> int:
        """Insert a RUNNING row and return its primary key."""
        now = utcnow()
        with self.database.transaction(write=True) as transaction:
            return transaction.insert(
                "runs",
                {
                    "job_name": state_id,
                    "run_id": uuid.UUID(run_id),
                    "state": "RUNNING",
                    "started_at": now,
                    "last_heartbeat_at": now,
                    "payload": json.dumps({}),
                    "payload_flags": PAYLOAD_NONE,
                    "trigger": trigger,
                },
            )

    def record_edit(self, state_id: str, document: dict[str, Any], *, partial: bool) -> None:
        """A STATE_EDIT row for a `meltano state set/merge/copy/move`, as 4.4.1 writes."""
        now = utcnow()
        with self.database.transaction(write=True) as transaction:
            transaction.insert(
                "runs",
                {
                    "job_name": state_id,
                    "run_id": uuid.uuid4(),
                    "state": "STATE_EDIT",
                    "started_at": now,
                    "ended_at": now,
                    "payload": json.dumps(document),
                    "payload_flags": PAYLOAD_PARTIAL if partial else PAYLOAD_COMPLETE,
                    "trigger": "cli",
                },
            )

    def beat(self, row_id: int) -> None:
        with self.database.transaction(write=True) as transaction:
            transaction.run(
                "UPDATE runs SET last_heartbeat_at = :now WHERE id = :id",
                {"now": utcnow(), "id": row_id},
            )

    def record_state(self, row_id: int, singer_state: Any, *, partial: bool) -> None:
        """Keep the latest state a run produced in its payload, as 4.4.1 does."""
        with self.database.transaction(write=True) as transaction:
            rows = transaction.rows("SELECT payload FROM runs WHERE id = :id", {"id": row_id})
            if not rows:
                return
            payload = _payload(rows[0][0])
            payload["singer_state"] = singer_state
            transaction.run(
                "UPDATE runs SET payload = :payload, payload_flags = :flags WHERE id = :id",
                {
                    "payload": json.dumps(payload),
                    "flags": PAYLOAD_PARTIAL if partial else PAYLOAD_COMPLETE,
                    "id": row_id,
                },
            )

    def finish(
        self, row_id: int, *, error: str | None = None, summary: dict[str, Any] | None = None
    ) -> None:
        """SUCCESS without an error, FAIL with it; keep the run's summary if there is one."""
        with self.database.transaction(write=True) as transaction:
            if summary is not None:
                transaction.run(
                    "UPDATE runs SET summary = :summary WHERE id = :id",
                    {"summary": json.dumps(summary), "id": row_id},
                )
            if error is None:
                transaction.run(
                    "UPDATE runs SET state = 'SUCCESS', ended_at = :now WHERE id = :id",
                    {"now": utcnow(), "id": row_id},
                )
            else:
                self._fail(transaction, row_id, error, utcnow())

    def recent(
        self, *, states: Sequence[str] = ("SUCCESS", "FAIL", "RUNNING"), limit: int | None = None
    ) -> list[RunSummary]:
        """Run rows, newest first (STATE_EDIT rows excluded by default)."""
        marks = ", ".join(f":s{index}" for index in range(len(states)))
        params: dict[str, Any] = {f"s{index}": state for index, state in enumerate(states)}
        query = f"SELECT {COLUMNS} FROM runs WHERE state IN ({marks}) ORDER BY started_at DESC"
        if limit is not None:
            query += " LIMIT :limit"
            params["limit"] = limit
        with self.database.transaction() as transaction:
            return [_summary(row) for row in transaction.rows(query, params)]

    def find(self, run_id: str) -> RunSummary | None:
        try:
            wanted = uuid.UUID(run_id)
        except ValueError:
            return None
        with self.database.transaction() as transaction:
            rows = transaction.rows(
                f"SELECT {COLUMNS} FROM runs WHERE run_id = :run_id", {"run_id": wanted}
            )
        return _summary(rows[0]) if rows else None

    def resolve(self, log_id: str) -> RunSummary:
        """The run a full log ID, or a prefix of exactly one, names (`logs show`)."""
        found = self.find(log_id)
        if found is not None:
            return found
        matches = self.find_prefix(log_id)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise MeltanoError(
                f"No job found with log ID '{log_id}'",
                "List runs and their log IDs with `meltano logs list`",
            )
        shown = "\n".join(
            f"  {run.run_id}  {run.state_id}  {run.started_at or ''}" for run in matches[:10]
        )
        more = f"\n  ... and {len(matches) - 10} more" if len(matches) > 10 else ""
        raise MeltanoError(
            f"Log ID prefix '{log_id}' matches {len(matches)} runs",
            f"Pass more characters of the one you mean:\n{shown}{more}\n",
        )

    def find_prefix(self, prefix: str) -> list[RunSummary]:
        """Runs (not state edits) whose ID starts with `prefix`, dashes optional, newest first.

        Run IDs are UUIDs: 32 hex characters on SQLite, a native type on servers.
        """
        digits = prefix.replace("-", "").lower()
        if not digits or len(digits) > 32 or any(c not in "0123456789abcdef" for c in digits):
            return []
        column = (
            "run_id"
            if self.database.dialect == "sqlite"
            else "REPLACE(CAST(run_id AS TEXT), '-', '')"
        )
        query = (
            f"SELECT {COLUMNS} FROM runs WHERE {column} LIKE :prefix "
            "AND state != 'STATE_EDIT' ORDER BY started_at DESC"
        )
        with self.database.transaction() as transaction:
            rows = transaction.rows(query, {"prefix": f"{digits}%"})
        return [_summary(row) for row in rows]


class Heartbeat:
    """Updates a run's heartbeat every second from a daemon thread until stopped."""

    def __init__(
        self, history: RunHistory, row_id: int, interval: float = HEARTBEAT_SECONDS
    ) -> None:
        self.history, self.row_id, self.interval = history, row_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="meltano-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.history.beat(self.row_id)
            except Exception:  # a missed beat must never break the run
                continue

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
