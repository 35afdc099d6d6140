"""Our additions to 4.4.1's schema live in a chain with its own version table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from meltano.core.db.connect import EXTENSIONS_HEAD, EXTENSIONS_VERSION_TABLE, HEAD, open_url
from meltano.core.errors import MeltanoError


def columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[1] for row in connection.execute("PRAGMA table_info(runs)")]


def versions(path: Path) -> tuple[list[tuple[str]], list[tuple[str]]]:
    with sqlite3.connect(path) as connection:
        return (
            connection.execute("SELECT version_num FROM alembic_version").fetchall(),
            connection.execute(f"SELECT version_num FROM {EXTENSIONS_VERSION_TABLE}").fetchall(),
        )


def test_a_new_database_has_the_summary_column_and_4_4_1s_revision(tmp_path: Path) -> None:
    path = tmp_path / "meltano.db"
    open_url(f"sqlite:///{path}").close()
    assert "summary" in columns(path)
    assert versions(path) == ([(HEAD,)], [(EXTENSIONS_HEAD,)])


def test_a_database_as_4_4_1_leaves_it_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "meltano.db"
    open_url(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:  # what 4.4.1 creates: its schema, nothing of ours
        connection.execute(f"DROP TABLE {EXTENSIONS_VERSION_TABLE}")
        connection.execute("ALTER TABLE runs DROP COLUMN summary")
        connection.execute("INSERT INTO runs (job_name, state) VALUES ('dev:a-to-b', 'SUCCESS')")
    assert "summary" not in columns(path)
    open_url(f"sqlite:///{path}").close()
    assert "summary" in columns(path)
    assert versions(path) == ([(HEAD,)], [(EXTENSIONS_HEAD,)])
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT job_name, summary FROM runs").fetchall() == [
            ("dev:a-to-b", None)
        ]


def test_an_unknown_extension_revision_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "meltano.db"
    open_url(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"UPDATE {EXTENSIONS_VERSION_TABLE} SET version_num = 'ffffffffffff'")
    with pytest.raises(MeltanoError, match="unknown revision ffffffffffff"):
        open_url(f"sqlite:///{path}")
