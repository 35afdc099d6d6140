"""System databases made by Meltano 2.x and 3.x are upgraded, and keep state, runs, settings.

The databases in tests/fixtures/systemdb/ were made by those releases (see its README).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from meltano.core.db.connect import HEAD
from tests.conftest import Invoke
from tests.e2e.conftest import STATE_ID, ids
from tests.services.servers import postgres_uri  # noqa: F401 - fixture used by name

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "systemdb"
RELEASES = ("2.0.0", "2.7.0", "3.9.5")
STATES = {
    STATE_ID: {"singer_state": {"bookmarks": {"counter": {"id": 5}}}},
    "my-elt": {"singer_state": {"bookmarks": {"counter": {"id": 5}}}},
    # The failed run's payload also holds its error text; only its Singer state is state.
    "crashed": {"singer_state": {"bookmarks": {"counter": {"id": 2}}}},
    "edited": {"singer_state": {"bookmarks": {"x": 1}}},
}
UI_TABLES = {"embed_tokens", "oauth", "role", "role_permissions", "roles_users", "subscriptions"}


def install(release: str, project: Path) -> Path:
    database = project / ".meltano" / "meltano.db"
    database.unlink(missing_ok=True)
    shutil.copy(FIXTURES / f"meltano-{release}.db", database)
    return database


def columns(database: Path) -> dict[str, list[tuple[str, str]]]:
    with sqlite3.connect(database) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            # Types without their length: 2.0 made `plugin_settings.name` VARCHAR, not (255).
            table: [
                (c[1], c[2].split("(")[0])
                for c in connection.execute(f'PRAGMA table_info("{table}")')
            ]
            for table in tables
        }


@pytest.mark.parametrize("release", RELEASES)
def test_old_database_is_upgraded_with_its_state_runs_and_schema(
    invoke: Invoke, pipeline_project: Path, release: str, tmp_path: Path
) -> None:
    database = install(release, pipeline_project)
    result = invoke("upgrade", "database")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"Upgrading database to {HEAD}"
    for state_id, document in STATES.items():
        assert json.loads(invoke("state", "get", state_id).stdout) == document
    runs = json.loads(invoke("logs", "list", "--format", "json").stdout)["runs"]
    assert sorted(run["job_name"] for run in runs) == sorted(set(STATES) - {"edited"})
    assert {run["state"] for run in runs} == {"SUCCESS", "FAIL"}
    # Alike a database created new (which Meltano 4.4.1 reads), the UI's tables gone.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "meltano.yml").write_text("project_id: fresh\n")
    assert invoke("--cwd", str(fresh), "upgrade", "database").exit_code == 0
    assert columns(database) == columns(fresh / ".meltano" / "meltano.db")
    assert not UI_TABLES & set(columns(database))
    again = invoke("upgrade", "database")
    assert again.stdout.splitlines()[-1] == "System database up-to-date."


@pytest.mark.slow
@pytest.mark.parametrize("release", ("2.0.0", "3.9.5"))
def test_a_run_after_the_upgrade_resumes_from_the_old_bookmark(
    invoke: Invoke, pipeline_project: Path, release: str
) -> None:
    install(release, pipeline_project)  # no explicit upgrade: the run migrates it first
    result = invoke("run", "tap-counter", "target-jsonl")
    assert result.exit_code == 0, result.output
    assert ids(pipeline_project) == [6]  # records 1-5 were loaded by the old release
    assert json.loads(invoke("state", "get", STATE_ID).stdout) == {
        "singer_state": {"bookmarks": {"counter": {"id": 6}}}
    }


@pytest.mark.parametrize("release", RELEASES)
def test_settings_stored_in_the_old_database_are_read(
    invoke: Invoke, project_dir: Path, release: str
) -> None:
    with (project_dir / "meltano.yml").open("a") as file:
        file.write(
            "plugins:\n  extractors:\n  - name: tap-counter\n    namespace: tap_counter\n"
            "    executable: tap-counter\n    settings:\n    - {name: records, kind: integer}\n"
            "    - {name: secret, kind: password}\n"
        )
    install(release, project_dir)
    printed = invoke("config", "--unsafe", "print", "tap-counter")
    assert json.loads(printed.stdout) == {"records": 5, "secret": "s3cr3t"}
    assert "s3cr3t" not in invoke("config", "list", "tap-counter").stdout


def test_the_2_7_state_table_is_kept_not_rebuilt_from_runs(
    invoke: Invoke, project_dir: Path
) -> None:
    """Meltano 2.7 kept state in its own table; a value only there survives (4.4.1's own
    upgrade rebuilds the table from the run history and loses it)."""
    database = install("2.7.0", project_dir)
    only_in_table = {"singer_state": {"bookmarks": {"x": 2}}}
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE state SET completed_state = ? WHERE job_name = 'edited'",
            (json.dumps(only_in_table),),
        )
    assert invoke("upgrade", "database").exit_code == 0
    assert json.loads(invoke("state", "get", "edited").stdout) == only_in_table


def test_history_replay_merges_partial_state_after_the_last_complete_one(
    invoke: Invoke, project_dir: Path
) -> None:
    """Meltano 2.0-2.6 read state back from runs: the last complete payload, then partial ones."""
    database = install("2.0.0", project_dir)
    extra = [
        ("later", '{"singer_state": {"a": {"x": 1}}}', 2),  # partial before any complete
        ("later", '{"singer_state": {"a": {"x": 2}, "b": 1}}', 1),  # complete: replaces
        ("later", '{"singer_state": {"a": {"y": 3}}}', 2),  # partial: merged on top
        ("later", '{"error": "no state in this one"}', 0),
        ("later", "not json", 2),
        ("cleared", '{"singer_state": {"a": 1}}', 1),
        ("cleared", "{}", 1),  # `state clear` in 2.x: an empty complete payload
    ]
    with sqlite3.connect(database) as connection:
        for name, payload, flags in extra:
            connection.execute(
                "INSERT INTO job (job_id, state, started_at, payload, payload_flags, run_id) "
                "VALUES (?, 'SUCCESS', '2024-01-01 00:00:00.000000', ?, ?, ?)",
                (name, payload, flags, uuid.uuid4().hex),
            )
    assert invoke("upgrade", "database").exit_code == 0
    assert json.loads(invoke("state", "get", "later").stdout) == {
        "singer_state": {"a": {"x": 2, "y": 3}, "b": 1}
    }
    assert "cleared" not in invoke("state", "list").stdout


@pytest.fixture
def legacy_schema(postgres_uri: str) -> Iterator[str]:
    """A fresh schema holding the PostgreSQL system database Meltano 2.0 made."""
    import psycopg

    name = f"legacy_{uuid.uuid4().hex[:10]}"
    plain = postgres_uri.replace("postgresql+psycopg://", "postgresql://")
    script = (FIXTURES / "meltano-2.0.0-postgresql.sql").read_text().replace("legacy_schema", name)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(script.encode())
    yield f"{postgres_uri}?options=-csearch_path%3D{name}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {name} CASCADE".encode())


def test_old_postgresql_database_is_upgraded(invoke: Invoke, legacy_schema: str) -> None:
    env = {"MELTANO_DATABASE_URI": legacy_schema}
    result = invoke("upgrade", "database", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"Upgrading database to {HEAD}"
    for state_id, document in STATES.items():
        assert json.loads(invoke("state", "get", state_id, env=env).stdout) == document
    assert (
        invoke("state", "set", "--force", "new", '{"singer_state": {"n": 1}}', env=env).exit_code
        == 0
    )
    runs = json.loads(invoke("logs", "list", "--format", "json", env=env).stdout)["runs"]
    assert sorted(run["job_name"] for run in runs) == [
        "crashed",
        "dev:tap-counter-to-target-jsonl",
        "my-elt",
    ]
