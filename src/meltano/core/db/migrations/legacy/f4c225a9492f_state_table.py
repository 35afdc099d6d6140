"""Meltano 2.7: state gets its own table, filled from the run history.

Before this, a pipeline's state was read back from its runs: the last run whose payload was
flagged complete, with the payloads flagged partial after it merged on top. That replay is
done once here, so every state ID keeps exactly the state Meltano 2.x would have used. Only
the `singer_state` of a payload is state; a failed run's `error` text is not copied (Meltano
4.4.1's own upgrade copies it into the state document).

Revision ID: f4c225a9492f
Revises: 5b43800443d1
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "f4c225a9492f"
down_revision = "5b43800443d1"
branch_labels = None
depends_on = None

COMPLETE, PARTIAL = 1, 2  # bits of `runs.payload_flags`


def upgrade() -> None:
    state = op.create_table(
        "state",
        sa.Column("job_name", sa.String(900), nullable=False),
        sa.Column("partial_state", sa.String),
        sa.Column("completed_state", sa.String),
        sa.Column("updated_at", sa.DateTime),
        sa.PrimaryKeyConstraint("job_name"),
        sa.UniqueConstraint("job_name"),
    )
    runs = sa.table(
        "runs",
        sa.column("id", sa.Integer),
        sa.column("job_name", sa.String),
        sa.column("payload", sa.String),
        sa.column("payload_flags", sa.Integer),
        sa.column("started_at", sa.DateTime),
        sa.column("ended_at", sa.DateTime),
    )
    history = op.get_bind().execute(
        sa.select(
            runs.c.job_name,
            runs.c.payload,
            runs.c.payload_flags,
            sa.func.coalesce(runs.c.ended_at, runs.c.started_at, type_=sa.DateTime),
        )
        .where(runs.c.job_name.is_not(None))
        .order_by(runs.c.id)
    )
    rows = [
        {
            "job_name": name,
            "completed_state": json.dumps(done),
            "partial_state": json.dumps(part),
            "updated_at": when,
        }
        for name, (done, part, when) in replay(history).items()
        if done or part
    ]
    if rows:
        op.bulk_insert(state, rows)


def replay(history: Iterable[Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any], Any]]:
    """(completed, partial, time of the last state-bearing run) per state ID, from runs in
    order: a complete payload replaces both documents, a partial one merges into `partial`."""
    states: dict[str, tuple[dict[str, Any], dict[str, Any], Any]] = {}
    for name, payload, flags, when in history:
        flags = flags or 0
        if not flags & (COMPLETE | PARTIAL):
            continue
        document = _singer_state(payload)
        if document is None:
            continue  # unreadable payload: Meltano 2.x skipped it too
        completed, partial, _ = states.get(name, ({}, {}, None))
        if flags & COMPLETE:
            states[name] = (document, {}, when)
        else:
            states[name] = (completed, _merge(partial, document), when)
    return states


def _singer_state(payload: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(payload or "{}")
    except ValueError:
        return None
    if not isinstance(value, Mapping):
        return None
    singer_state = value.get("singer_state")
    return {"singer_state": singer_state} if isinstance(singer_state, Mapping) else {}


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        current = result.get(key)
        both_maps = isinstance(current, Mapping) and isinstance(value, Mapping)
        result[key] = _merge(current, value) if both_maps else value  # type: ignore[arg-type]  # both maps when merged
    return result


def downgrade() -> None:
    op.drop_table("state")
