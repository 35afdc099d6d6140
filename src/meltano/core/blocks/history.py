"""Run records in the system database: start, heartbeat, finish, and stale-run clean-up.

The `runs` table is shared with Meltano 4.4.1 (it calls the state ID `job_name`), so rows
written here read the same there: naive UTC times, state names as text, run IDs as 32 hex
characters, `payload` as JSON text.
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from meltano.core.db.models import Run, RunState

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

HEARTBEAT_SECONDS = 1.0
STALE_AFTER_HEARTBEAT = datetime.timedelta(minutes=5)
STALE_WITHOUT_HEARTBEAT = datetime.timedelta(hours=24)
NO_HEARTBEAT_ERROR = (
    "No heartbeat recorded for 5 minutes. The process was likely killed unceremoniously."
)
TOO_OLD_ERROR = "Still running after 24 hours. The process was likely killed unceremoniously."
PAYLOAD_NONE, PAYLOAD_COMPLETE, PAYLOAD_PARTIAL = 0, 1, 2


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

    @property
    def valid_until(self) -> datetime.datetime | None:
        """When a RUNNING row with this heartbeat becomes stale."""
        if self.last_heartbeat_at is not None:
            return self.last_heartbeat_at + STALE_AFTER_HEARTBEAT
        if self.started_at is not None:
            return self.started_at + STALE_WITHOUT_HEARTBEAT
        return None


def _summary(row: Run) -> RunSummary:
    try:
        payload = json.loads(row.payload) if row.payload else {}
    except ValueError:
        payload = {}
    return RunSummary(
        id=row.id,
        state_id=row.job_name or "",
        run_id=str(row.run_id) if row.run_id else "",
        state=row.state or "",
        started_at=row.started_at,
        ended_at=row.ended_at,
        last_heartbeat_at=row.last_heartbeat_at,
        trigger=row.trigger,
        payload=payload if isinstance(payload, dict) else {},
    )


def stale_reason(row: Run | RunSummary, now: datetime.datetime) -> str | None:
    """Why a RUNNING row is stale, or None while it is alive."""
    if row.last_heartbeat_at is not None:
        if now - row.last_heartbeat_at > STALE_AFTER_HEARTBEAT:
            return NO_HEARTBEAT_ERROR
        return None
    if row.started_at is not None and now - row.started_at > STALE_WITHOUT_HEARTBEAT:
        return TOO_OLD_ERROR
    return None


class RunHistory:
    """Reads and writes run records through one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def mark_stale(self, state_id: str | None = None) -> list[tuple[RunSummary, str]]:
        """Fail RUNNING rows (of one state ID, or all) whose process is evidently gone."""
        now = utcnow()
        marked: list[tuple[RunSummary, str]] = []
        with Session(self.engine) as session, session.begin():
            query = select(Run).where(Run.state == RunState.RUNNING.value)
            if state_id is not None:
                query = query.where(Run.job_name == state_id)
            for row in session.scalars(query):
                reason = stale_reason(row, now)
                if reason is not None:
                    self._fail(row, reason, now)
                    marked.append((_summary(row), reason))
        return marked

    def fail_run(self, run_id: str, reason: str) -> bool:
        """Fail a RUNNING row by run ID (its process is known to be gone)."""
        with Session(self.engine) as session, session.begin():
            row = session.scalars(
                select(Run).where(Run.run_id == uuid.UUID(run_id), Run.state == "RUNNING")
            ).first()
            if row is None:
                return False
            self._fail(row, reason, utcnow())
            return True

    @staticmethod
    def _fail(row: Run, reason: str, now: datetime.datetime) -> None:
        payload = json.loads(row.payload) if row.payload else {}
        payload = payload if isinstance(payload, dict) else {}
        payload["error"] = reason
        row.payload = json.dumps(payload)
        row.state = RunState.FAIL.value
        row.ended_at = now

    def running(self, state_id: str) -> list[RunSummary]:
        """RUNNING rows of a state ID that are not stale."""
        now = utcnow()
        with Session(self.engine) as session:
            rows = session.scalars(
                select(Run).where(Run.job_name == state_id, Run.state == RunState.RUNNING.value)
            )
            return [_summary(row) for row in rows if stale_reason(row, now) is None]

    def start(self, state_id: str, run_id: str, *, trigger: str) -> int:
        """Insert a RUNNING row and return its primary key."""
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            row = Run(
                job_name=state_id,
                run_id=uuid.UUID(run_id),
                state=RunState.RUNNING.value,
                started_at=now,
                last_heartbeat_at=now,
                payload=json.dumps({}),
                payload_flags=PAYLOAD_NONE,
                trigger=trigger,
            )
            session.add(row)
            session.flush()
            return row.id

    def record_edit(self, state_id: str, document: dict[str, Any], *, partial: bool) -> None:
        """A STATE_EDIT row for a `meltano state set/merge/copy/move`, as 4.4.1 writes."""
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            session.add(
                Run(
                    job_name=state_id,
                    run_id=uuid.uuid4(),
                    state=RunState.STATE_EDIT.value,
                    started_at=now,
                    ended_at=now,
                    payload=json.dumps(document),
                    payload_flags=PAYLOAD_PARTIAL if partial else PAYLOAD_COMPLETE,
                    trigger="cli",
                )
            )

    def beat(self, row_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(Run).where(Run.id == row_id).values(last_heartbeat_at=utcnow())
            )

    def record_state(self, row_id: int, singer_state: Any, *, partial: bool) -> None:
        """Keep the latest state a run produced in its payload, as 4.4.1 does."""
        with Session(self.engine) as session, session.begin():
            row = session.get(Run, row_id)
            if row is None:
                return
            payload = json.loads(row.payload) if row.payload else {}
            payload["singer_state"] = singer_state
            row.payload = json.dumps(payload)
            row.payload_flags = PAYLOAD_PARTIAL if partial else PAYLOAD_COMPLETE

    def finish(self, row_id: int, *, error: str | None = None) -> None:
        """SUCCESS without an error, FAIL with it."""
        with Session(self.engine) as session, session.begin():
            row = session.get(Run, row_id)
            if row is None:
                return
            if error is None:
                row.state = RunState.SUCCESS.value
                row.ended_at = utcnow()
            else:
                self._fail(row, error, utcnow())

    def recent(
        self, *, states: Sequence[str] = ("SUCCESS", "FAIL", "RUNNING"), limit: int | None = None
    ) -> list[RunSummary]:
        """Run rows, newest first (STATE_EDIT rows excluded by default)."""
        with Session(self.engine) as session:
            query = select(Run).where(Run.state.in_(states)).order_by(Run.started_at.desc())
            if limit is not None:
                query = query.limit(limit)
            return [_summary(row) for row in session.scalars(query)]

    def find(self, run_id: str) -> RunSummary | None:
        try:
            wanted = uuid.UUID(run_id)
        except ValueError:
            return None
        with Session(self.engine) as session:
            row = session.scalars(select(Run).where(Run.run_id == wanted)).first()
            return _summary(row) if row is not None else None


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


def iter_state_ids(summaries: Sequence[RunSummary]) -> Iterator[str]:
    """Distinct state IDs in first-seen order."""
    seen: set[str] = set()
    for summary in summaries:
        if summary.state_id not in seen:
            seen.add(summary.state_id)
            yield summary.state_id
