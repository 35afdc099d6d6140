from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path

import pytest

from meltano.core.blocks.history import (
    NO_HEARTBEAT_ERROR,
    TOO_OLD_ERROR,
    Heartbeat,
    RunHistory,
    utcnow,
)
from meltano.core.db.connect import open_url


@pytest.fixture
def history(tmp_path: Path) -> RunHistory:
    return RunHistory(open_url(f"sqlite:///{tmp_path / 'meltano.db'}"))


def test_life_cycle(history: RunHistory) -> None:
    run_id = str(uuid.uuid4())
    row = history.start("dev:tap-to-target", run_id, trigger="cli")
    assert [r.run_id for r in history.running("dev:tap-to-target")] == [run_id]
    history.record_state(row, {"bookmarks": {"a": 1}}, partial=False)
    history.finish(row)
    (summary,) = history.recent()
    assert summary.state == "SUCCESS"
    assert summary.payload == {"singer_state": {"bookmarks": {"a": 1}}}
    assert summary.ended_at is not None
    assert history.running("dev:tap-to-target") == []


def test_failure_keeps_error(history: RunHistory) -> None:
    row = history.start("x", str(uuid.uuid4()), trigger="airflow")
    history.finish(row, error="Extractor failed")
    (summary,) = history.recent()
    assert (summary.state, summary.payload["error"], summary.trigger) == (
        "FAIL",
        "Extractor failed",
        "airflow",
    )


def _age(
    history: RunHistory,
    row: int,
    *,
    heartbeat: datetime.timedelta | None,
    started: datetime.timedelta,
) -> None:
    now = utcnow()
    with history.database.transaction(write=True) as transaction:
        transaction.run(
            "UPDATE runs SET started_at = :started, last_heartbeat_at = :beat WHERE id = :id",
            {
                "started": now - started,
                "beat": None if heartbeat is None else now - heartbeat,
                "id": row,
            },
        )


def test_stale_runs_are_failed(history: RunHistory) -> None:
    old_beat = history.start("a", str(uuid.uuid4()), trigger="cli")
    _age(
        history,
        old_beat,
        heartbeat=datetime.timedelta(minutes=6),
        started=datetime.timedelta(hours=1),
    )
    never_beat = history.start("b", str(uuid.uuid4()), trigger="cli")
    _age(history, never_beat, heartbeat=None, started=datetime.timedelta(hours=25))
    alive = history.start("a", str(uuid.uuid4()), trigger="cli")
    marked = history.mark_stale()
    assert sorted(reason for _, reason in marked) == sorted([NO_HEARTBEAT_ERROR, TOO_OLD_ERROR])
    assert [r.id for r in history.running("a")] == [alive]
    assert history.mark_stale("a") == []


def test_fail_run_by_id(history: RunHistory) -> None:
    run_id = str(uuid.uuid4())
    history.start("a", run_id, trigger="cli")
    assert history.fail_run(run_id, "gone")
    assert not history.fail_run(run_id, "gone")
    assert json.loads(json.dumps(history.recent()[0].payload))["error"] == "gone"


def test_heartbeat_moves(history: RunHistory) -> None:
    row = history.start("a", str(uuid.uuid4()), trigger="cli")
    _age(
        history, row, heartbeat=datetime.timedelta(minutes=1), started=datetime.timedelta(minutes=1)
    )
    before = history.recent()[0].last_heartbeat_at
    with Heartbeat(history, row, interval=0.05):
        import time

        time.sleep(0.3)
    after = history.recent()[0].last_heartbeat_at
    assert before is not None and after is not None and after > before
