"""What `schedule list` reads from run history: stale clean-up, then the last successes."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from meltano.core.blocks.history import RunHistory

log = structlog.get_logger(__name__)


def mark_stale_runs(history: RunHistory) -> int:
    """Fail RUNNING records whose process is gone, logging each; how many were marked."""
    marked = history.mark_stale()
    for summary, reason in marked:
        log.info(
            "marked stale run as failed",
            state_id=summary.state_id,
            run_id=summary.run_id,
            started_at=summary.started_at,
            reason=reason,
        )
    return len(marked)


def last_successful_run_ends(
    history: RunHistory, state_ids: Iterable[str]
) -> dict[str, datetime.datetime]:
    """For each state ID with a successful run: when the newest one ended (aware, UTC)."""
    wanted = set(state_ids)
    ends: dict[str, datetime.datetime] = {}
    if not wanted:
        return ends
    for run in history.recent(states=("SUCCESS",)):
        if run.state_id in wanted and run.ended_at is not None:
            ended = run.ended_at.replace(tzinfo=datetime.timezone.utc)
            if run.state_id not in ends or ended > ends[run.state_id]:
                ends[run.state_id] = ended
    return ends
