"""`meltano state ...` through CliRunner, on the default systemdb backend and on `file://`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.conftest import Invoke

SET = ("state", "set", "--force")


def test_set_get_pretty_and_list(invoke: Invoke) -> None:
    assert invoke(*SET, "dev:a-to-b", '{"singer_state": {"a": 1}}').exit_code == 0
    assert invoke("state", "get", "dev:a-to-b").stdout == '{"singer_state":{"a":1}}\n'
    pretty = invoke("state", "get", "dev:a-to-b", "--format", "pretty").stdout
    assert pretty == '{\n  "singer_state": {\n    "a": 1\n  }\n}\n'
    assert invoke("state", "list").stdout == "dev:a-to-b\n"


def test_get_unknown_id_prints_empty_object(invoke: Invoke) -> None:
    result = invoke("state", "get", "dev:nope")
    assert (result.exit_code, result.stdout) == (0, "{}\n")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"x": 1}', "singer_state not found"),
        ("{bad", "Invalid JSON"),
        ('{"singer_state": 5}', "must be a JSON object"),
        ("[1]", "expected a JSON object"),
    ],
)
def test_set_rejects_bad_state(invoke: Invoke, payload: str, message: str) -> None:
    result = invoke(*SET, "id", payload)
    assert result.exit_code == ExitCode.FAILED
    assert message in result.stderr
    assert invoke("state", "list").stdout == ""


def test_set_empty_singer_state_resets_bookmarks(invoke: Invoke) -> None:
    invoke(*SET, "dev:a-to-b", '{"singer_state": {"bookmarks": {"users": {"id": 9}}}}')
    result = invoke(*SET, "dev:a-to-b", '{"singer_state": {}}')
    assert result.exit_code == 0, result.output
    assert invoke("state", "get", "dev:a-to-b").stdout == '{"singer_state":{}}\n'
    assert invoke("state", "list").stdout == "dev:a-to-b\n"


def test_set_without_validation_and_from_file(invoke: Invoke, project_dir: Path) -> None:
    assert invoke(*SET, "raw", '{"x": 1}', "--no-validate").exit_code == 0
    assert invoke("state", "get", "raw").stdout == '{"x":1}\n'
    (project_dir / "s.json").write_text('{"singer_state": {"f": 1}}')
    assert invoke(*SET, "fromfile", "--input-file", "s.json").exit_code == 0
    assert invoke("state", "get", "fromfile").stdout == '{"singer_state":{"f":1}}\n'
    both = invoke(*SET, "x", "{}", "--input-file", "s.json")
    assert both.exit_code == ExitCode.FAILED and "exactly one" in both.stderr


def test_set_asks_first_and_declining_changes_nothing(invoke: Invoke) -> None:
    result = invoke("state", "set", "id", '{"singer_state": {"a": 1}}', input="n\n")
    assert result.exit_code == 1 and "Aborted!" in result.stderr
    assert invoke("state", "list").stdout == ""


def test_merge_copy_move_clear(invoke: Invoke) -> None:
    invoke(*SET, "a", '{"singer_state": {"a": 1}}')
    assert invoke("state", "merge", "a", '{"singer_state": {"b": 2}}').exit_code == 0
    assert invoke("state", "get", "a").stdout == '{"singer_state":{"a":1,"b":2}}\n'
    assert invoke("state", "merge", "c", "--from-state-id", "a").exit_code == 0
    assert invoke("state", "copy", "a", "b", "--force").exit_code == 0
    assert invoke("state", "move", "b", "moved", "--force").exit_code == 0
    assert invoke("state", "list").stdout == "a\nc\nmoved\n"
    assert invoke("state", "get", "moved").stdout == '{"singer_state":{"a":1,"b":2}}\n'
    assert invoke("state", "copy", "nope", "x", "--force").exit_code == ExitCode.FAILED
    assert invoke("state", "clear", "a", "--force").exit_code == 0
    assert invoke("state", "list").stdout == "c\nmoved\n"
    assert invoke("state", "clear", "--all", "--force").exit_code == 0
    assert invoke("state", "list").stdout == ""


@pytest.mark.parametrize("args", [(), ("a", "--all")])
def test_clear_needs_exactly_one_of_id_or_all(invoke: Invoke, args: tuple[str, ...]) -> None:
    assert invoke("state", "clear", "--force", *args).exit_code == ExitCode.USAGE


def test_list_pattern_treats_underscore_literally(invoke: Invoke) -> None:
    for state_id in ("dev:a_b", "dev:axb", "prod:a_b"):
        invoke(*SET, state_id, '{"singer_state": {"x": 1}}')
    assert invoke("state", "list", "--pattern", "dev:a_*").stdout == "dev:a_b\n"
    assert invoke("state", "list", "--pattern", "*a_b").stdout == "dev:a_b\nprod:a_b\n"


def test_export_import_round_trip_into_another_backend(invoke: Invoke, tmp_path: Path) -> None:
    invoke(*SET, "a", '{"singer_state": {"a": 1}}')
    invoke("state", "merge", "a", '{"singer_state": {"b": 2}}')
    exported = invoke("state", "export").stdout
    assert json.loads(exported) == {
        "a": {"completed": {"singer_state": {"a": 1}}, "partial": {"singer_state": {"b": 2}}}
    }
    env = {"MELTANO_STATE_BACKEND_URI": f"file://{tmp_path / 'state'}"}
    assert invoke("state", "import", input=exported, env=env).exit_code == 0
    assert invoke("state", "get", "a", env=env).stdout == '{"singer_state":{"a":1,"b":2}}\n'
    assert (
        json.loads((tmp_path / "state" / "a" / "state.json").read_text())
        == json.loads(exported)["a"]
    )


def test_import_rejects_non_objects(invoke: Invoke) -> None:
    assert invoke("state", "import", input="[1]").exit_code == ExitCode.USAGE
    assert invoke("state", "import", input="{bad").exit_code == ExitCode.FAILED


def test_import_treats_null_parts_as_empty(invoke: Invoke) -> None:
    payload = '{"a": {"completed": {"singer_state": {"x": 1}}, "partial": null}}'
    assert invoke("state", "import", input=payload).exit_code == 0
    assert invoke("state", "get", "a").stdout == '{"singer_state":{"x":1}}\n'


def test_edit_with_an_editor_script(invoke: Invoke, tmp_path: Path) -> None:
    invoke(*SET, "a", '{"singer_state": {"a": 1}}')
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf \'{"singer_state": {"a": 2}}\' > "$1"\n')
    editor.chmod(0o755)
    result = invoke("state", "edit", "a", "--force", env={"EDITOR": str(editor)})
    assert result.exit_code == 0, result.stderr
    assert invoke("state", "get", "a").stdout == '{"singer_state":{"a":2}}\n'


def test_unknown_backend_scheme(invoke: Invoke) -> None:
    result = invoke("state", "list", env={"MELTANO_STATE_BACKEND_URI": "foo://x"})
    assert result.exit_code == ExitCode.FAILED
    assert "No state backend found for scheme 'foo'" in result.stderr
    assert "systemdb, azure, file, gs, s3" in result.stderr


def test_corrupt_file_state_fails_closed_naming_the_file(invoke: Invoke, tmp_path: Path) -> None:
    env = {"MELTANO_STATE_BACKEND_URI": f"file://{tmp_path}"}
    (tmp_path / "dev:a-to-b").mkdir()
    (tmp_path / "dev:a-to-b" / "state.json").write_text('{"completed": {"singer_st')
    assert invoke("state", "list", env=env).stdout == "dev:a-to-b\n"  # listed, in red
    result = invoke("state", "get", "dev:a-to-b", env=env)
    assert result.exit_code == ExitCode.FAILED
    assert str(tmp_path / "dev:a-to-b" / "state.json") in result.stderr
    merge = invoke("state", "merge", "dev:a-to-b", '{"singer_state": {"x": 1}}', env=env)
    assert merge.exit_code == ExitCode.FAILED
    assert "singer_st" in (tmp_path / "dev:a-to-b" / "state.json").read_text()
    repaired = invoke(
        "state", "set", "--force", "dev:a-to-b", '{"singer_state": {"x": 1}}', env=env
    )
    assert repaired.exit_code == 0, repaired.stderr
    assert invoke("state", "get", "dev:a-to-b", env=env).stdout == '{"singer_state":{"x":1}}\n'


def test_state_backend_from_meltano_yml(invoke: Invoke, project_dir: Path, tmp_path: Path) -> None:
    meltano_yml = project_dir / "meltano.yml"
    meltano_yml.write_text(
        meltano_yml.read_text() + f"state_backend:\n  uri: file://{tmp_path / 'st'}\n"
    )
    assert invoke(*SET, "a", '{"singer_state": {"a": 1}}').exit_code == 0
    assert (tmp_path / "st" / "a" / "state.json").is_file()


def test_upgrade_database(invoke: Invoke, project_dir: Path, tmp_path: Path) -> None:
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = invoke("upgrade", "database", "--database-uri", fresh)
    assert first.stdout == (
        "Applying migrations to system database...\nUpgrading database to c0efb3c314eb\n"
    )
    again = invoke("upgrade", "database", "--database-uri", fresh)
    assert again.stdout.endswith("System database up-to-date.\n")


def test_upgrade_refuses_a_database_from_a_newer_meltano(invoke: Invoke, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    result = invoke("upgrade", "database", "--database-uri", f"sqlite:///{path}")
    assert result.exit_code == ExitCode.FAILED
    assert "ffffffffffff" in result.stderr


def test_unreachable_database_is_retried_then_fails_without_password(invoke: Invoke) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    env = {
        "MELTANO_DATABASE_URI": f"postgresql+psycopg://user:hunter2@127.0.0.1:{port}/db",
        "MELTANO_DATABASE_MAX_RETRIES": "2",
        "MELTANO_DATABASE_RETRY_TIMEOUT": "0",
        "MELTANO_CLI_LOG_FORMAT": "json",
    }
    result = invoke("state", "list", env=env)
    assert result.exit_code == ExitCode.FAILED
    assert result.stderr.count("database connection failed, retrying") == 2
    assert '"attempt": "2/2"' in result.stderr
    assert "hunter2" not in result.stderr


def _database_at(path: Path, revision: str) -> str:
    """Our schema, recorded at another revision, plus a table of the retired UI."""
    import sqlalchemy

    from meltano.core.db.engine import create_engine, migrate

    uri = f"sqlite:///{path}"
    engine = create_engine(uri)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("CREATE TABLE user (id INTEGER PRIMARY KEY)"))
        connection.execute(
            sqlalchemy.text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
        )
    return uri


def test_database_at_the_revision_before_head_is_upgraded(invoke: Invoke, tmp_path: Path) -> None:
    uri = _database_at(tmp_path / "m.db", "6828cc5b1a4f")
    assert invoke("upgrade", "database", "--database-uri", uri).stdout.endswith(
        "Upgrading database to c0efb3c314eb\n"
    )
    env = {"MELTANO_DATABASE_URI": uri}
    assert invoke(*SET, "a", '{"singer_state": {"a": 1}}', env=env).exit_code == 0
    assert invoke("state", "get", "a", env=env).stdout == '{"singer_state":{"a":1}}\n'
    import sqlite3

    with sqlite3.connect(tmp_path / "m.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "user" not in tables  # the retired UI's table is dropped, as 4.4.1 does


def test_database_from_before_2_0_is_refused_untouched(invoke: Invoke, tmp_path: Path) -> None:
    uri = _database_at(tmp_path / "m.db", "d135f52a6f49")
    result = invoke("state", "list", env={"MELTANO_DATABASE_URI": uri})
    assert result.exit_code == ExitCode.FAILED
    assert "d135f52a6f49, from a Meltano older than 2.0" in result.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "m.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("d135f52a6f49",)
        ]


def test_group_level_database_uri(invoke: Invoke, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'other.db'}"
    assert (
        invoke(
            "state", "--database-uri", uri, "set", "--force", "a", '{"singer_state": {"a": 1}}'
        ).exit_code
        == 0
    )
    assert invoke("state", "list").stdout == ""
    assert invoke("state", "--database-uri", uri, "list").stdout == "a\n"


def test_state_id_of_another_environment_is_flagged(invoke: Invoke) -> None:
    result = invoke(
        "--environment",
        "prod",
        "state",
        "get",
        "dev:tap-to-target",
        env={"MELTANO_CLI_LOG_FORMAT": "json"},
    )
    assert result.exit_code == 0
    assert "state ID belongs to another environment" in result.stderr
    quiet = invoke("--environment", "dev", "state", "get", "dev:tap-to-target")
    assert "another environment" not in quiet.stderr


def test_unopenable_sqlite_file_fails_at_once(invoke: Invoke, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke("state", "list", env={"MELTANO_DATABASE_URI": f"sqlite:///{blocker}/x/m.db"})
    assert result.exit_code == ExitCode.FAILED
    assert "retrying" not in result.stderr


def test_state_id_of_an_environment_without_an_active_one_is_not_flagged(
    invoke: Invoke,
) -> None:
    # init writes `default_environment: dev`; state never uses it, so nothing is active
    result = invoke("state", "get", "prod:tap-to-target", env={"MELTANO_CLI_LOG_FORMAT": "json"})
    assert result.exit_code == 0
    assert "another environment" not in result.stderr
    assert "will be ignored" not in result.stderr  # said at debug level only
    debug = invoke("--log-level", "debug", "state", "get", "prod:tap-to-target")
    assert "The default environment 'dev' will be ignored for `meltano state`" in debug.stderr
