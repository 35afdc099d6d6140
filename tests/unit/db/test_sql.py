"""The stdlib SQLite path stores values exactly as SQLAlchemy's column types do."""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from pathlib import Path

import pytest

from meltano.core.blocks.history import RunHistory
from meltano.core.db.connect import CURRENT_REVISIONS, HEAD, open_url, sqlite_file
from meltano.core.db.sql import SqliteDatabase, as_datetime, as_uuid_text
from meltano.core.errors import MeltanoError


def test_sqlite_file_only_takes_plain_file_urls() -> None:
    assert sqlite_file("sqlite:////abs/meltano.db") == "/abs/meltano.db"
    assert sqlite_file("sqlite:///relative.db") == "relative.db"
    assert sqlite_file("sqlite+pysqlite:////x.db") == "/x.db"
    for other in ("sqlite://", "sqlite:///:memory:", "sqlite:////x.db?mode=ro", "postgresql://h/d"):
        assert sqlite_file(other) is None


def test_value_conversions() -> None:
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5, 6)
    assert as_datetime("2026-01-02 03:04:05.000006") == moment
    assert as_datetime(moment) is moment
    assert as_datetime(None) is None
    run_id = uuid.uuid4()
    assert as_uuid_text(run_id.hex) == str(run_id)
    assert as_uuid_text(run_id) == str(run_id)
    assert as_uuid_text(None) == ""


def test_rows_written_here_read_the_same_through_sqlalchemy(tmp_path: Path) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from meltano.core.db.engine import create_engine
    from meltano.core.db.models import Run

    uri = f"sqlite:///{tmp_path / 'meltano.db'}"
    history = RunHistory(open_url(uri))
    run_id = str(uuid.uuid4())
    row = history.start("dev:a-to-b", run_id, trigger="cli")
    history.finish(row, error="target-x failed")
    engine = create_engine(uri)
    with Session(engine) as session:
        (stored,) = session.scalars(select(Run)).all()
        assert str(stored.run_id) == run_id
        assert stored.state == "FAIL"
        assert isinstance(stored.started_at, datetime.datetime)
        assert isinstance(stored.ended_at, datetime.datetime)
        assert stored.started_at <= stored.ended_at
    engine.dispose()


def test_rows_written_through_sqlalchemy_read_the_same_here(tmp_path: Path) -> None:
    from sqlalchemy.orm import Session

    from meltano.core.db.engine import create_engine, migrate
    from meltano.core.db.models import Run

    uri = f"sqlite:///{tmp_path / 'meltano.db'}"
    engine = create_engine(uri)
    migrate(engine)
    run_id = uuid.uuid4()
    started = datetime.datetime(2026, 3, 4, 5, 6, 7, 890)
    with Session(engine) as session, session.begin():
        session.add(Run(job_name="dev:a-to-b", run_id=run_id, state="SUCCESS",
                        started_at=started, ended_at=started, payload="{}", trigger="cli"))  # fmt: skip
    engine.dispose()
    (summary,) = RunHistory(open_url(uri)).recent()
    assert (summary.run_id, summary.started_at, summary.state) == (str(run_id), started, "SUCCESS")


def test_a_new_file_is_migrated_to_head(tmp_path: Path) -> None:
    database = open_url(f"sqlite:///{tmp_path / 'sub' / 'meltano.db'}")
    with database.transaction() as transaction:
        assert transaction.rows("SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert HEAD in CURRENT_REVISIONS


def test_an_unknown_revision_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "meltano.db"
    open_url(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    with pytest.raises(MeltanoError, match="unknown revision ffffffffffff"):
        open_url(f"sqlite:///{path}")


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "meltano.db"
    path.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(MeltanoError, match="Cannot open the system database") as caught:
        open_url(f"sqlite:///{path}")
    assert "SQLite database" in caught.value.instruction


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    database = open_url(f"sqlite:///{tmp_path / 'meltano.db'}")
    with pytest.raises(RuntimeError), database.transaction(write=True) as transaction:
        transaction.run("INSERT INTO state (state_id) VALUES ('x')")
        raise RuntimeError("boom")
    with database.transaction() as transaction:
        assert transaction.rows("SELECT state_id FROM state") == []


def test_threads_share_one_connection(tmp_path: Path) -> None:
    import threading

    database = open_url(f"sqlite:///{tmp_path / 'meltano.db'}")
    assert isinstance(database, SqliteDatabase)
    history = RunHistory(database)
    row = history.start("s", str(uuid.uuid4()), trigger="cli")
    beats = [threading.Thread(target=history.beat, args=(row,)) for _ in range(8)]
    for beat in beats:
        beat.start()
    for beat in beats:
        beat.join(timeout=30)
    assert [summary.id for summary in history.running("s")] == [row]
