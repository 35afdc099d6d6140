"""`meltano state` and `meltano config` through a state backend add-on written for 4.4.1: our
PostgreSQL add-on (tests/fixtures/packages/pgstate-backend), against the CI PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from meltano.core.errors import ExitCode
from tests.conftest import Invoke
from tests.services.addons import PgState, pgstate, pgstate_installed  # noqa: F401 - fixtures
from tests.services.servers import postgres_uri  # noqa: F401 - fixture

SET = ("state", "set", "--force")


def test_state_commands_through_the_add_on(invoke: Invoke, pgstate: PgState) -> None:
    env = pgstate.env
    assert invoke(*SET, "dev:a-to-b", '{"singer_state": {"a": 1}}', env=env).exit_code == 0
    merged = invoke("state", "merge", "dev:a-to-b", '{"singer_state": {"b": 2}}', env=env)
    assert merged.exit_code == 0, merged.stderr
    assert (
        invoke("state", "get", "dev:a-to-b", env=env).stdout == '{"singer_state":{"a":1,"b":2}}\n'
    )
    # what 4.4.1 writes for the same two commands: completed from `set`, partial from `merge`
    assert pgstate.rows() == [
        ("dev:a-to-b", '{"singer_state": {"a": 1}}', '{"singer_state": {"b": 2}}')
    ]
    assert invoke("state", "copy", "--force", "dev:a-to-b", "dev:c_d", env=env).exit_code == 0
    assert invoke("state", "move", "--force", "dev:c_d", "dev:e_f", env=env).exit_code == 0
    assert invoke("state", "list", env=env).stdout == "dev:a-to-b\ndev:e_f\n"
    assert invoke("state", "list", "--pattern", "dev:e_*", env=env).stdout == "dev:e_f\n"
    assert invoke("state", "list", "--pattern", "dev:e?f", env=env).stdout == "dev:e_f\n"
    exported = json.loads(invoke("state", "export", env=env).stdout)
    assert exported["dev:e_f"] == {"completed": {"singer_state": {"a": 1, "b": 2}}, "partial": {}}
    assert invoke("state", "clear", "--force", "dev:a-to-b", env=env).exit_code == 0
    assert invoke("state", "list", env=env).stdout == "dev:e_f\n"
    assert invoke("state", "clear", "--force", "--all", env=env).exit_code == 0
    assert pgstate.rows() == []


def test_settings_come_from_meltano_yml_env_and_dotenv(
    invoke: Invoke, pgstate: PgState, project_dir: Path
) -> None:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + f"state_backend:\n  uri: {pgstate.uri}\n  pgstate:\n    schema: {pgstate.schema}\n"
    )
    assert invoke(*SET, "from-yml", '{"singer_state": {"a": 1}}').exit_code == 0
    assert [row[0] for row in pgstate.rows()] == ["from-yml"]
    # the variable beats meltano.yml: a table of that name is created and used instead
    env = {"MELTANO_STATE_BACKEND_PGSTATE_TABLE": "other"}
    assert invoke(*SET, "from-env", '{"singer_state": {"a": 1}}', env=env).exit_code == 0
    assert invoke("state", "list", env=env).stdout == "from-env\n"
    assert invoke("state", "list").stdout == "from-yml\n"
    # a wrong password from `.env` (where `config set` puts a secret) wins over the URI's
    set_result = invoke("config", "set", "meltano", "state_backend.pgstate.password", "wrong-pw")
    assert set_result.exit_code == 0, set_result.stderr
    assert "(redacted)" in set_result.stdout
    assert "MELTANO_STATE_BACKEND_PGSTATE_PASSWORD='wrong-pw'" in (project_dir / ".env").read_text()
    failed = invoke("state", "list")
    assert failed.exit_code == ExitCode.FAILED
    assert "The 'pgstate' state backend add-on could not start: OperationalError" in failed.stderr
    assert "wrong-pw" not in failed.output
    assert "Traceback" not in failed.output


def test_config_lists_and_sets_add_on_settings(
    invoke: Invoke, pgstate: PgState, project_dir: Path
) -> None:
    listed = invoke("config", "list", "meltano", "--all").stdout
    assert (
        "state_backend.pgstate.schema [env: MELTANO_STATE_BACKEND_PGSTATE_SCHEMA] "
        "current value: 'public' (default)\n\tSchema: Schema holding the state table" in listed
    )
    assert (
        "state_backend.pgstate.connect_timeout [env: MELTANO_STATE_BACKEND_PGSTATE_CONNECT_TIMEOUT] current value: 5 (default)"
        in listed
    )
    result = invoke("config", "set", "meltano", "state_backend.pgstate.connect_timeout", "7")
    assert result.exit_code == 0, result.stderr
    assert (
        "state_backend:\n  pgstate:\n    connect_timeout: 7\n"
        in (project_dir / "meltano.yml").read_text()
    )
    printed = json.loads(invoke("config", "print", "meltano", "--format=json").stdout)
    assert printed["state_backend"]["pgstate"] == {
        "password": None,
        "schema": "public",
        "table": "meltano_state",
        "connect_timeout": 7,
    }
    env_text = invoke("config", "print", "meltano", "--format=env").stdout
    assert env_text.endswith("\n\n")  # a non-empty listing ends with a blank line, as 4.4.1
    env_lines = env_text.splitlines()[:-1]
    # after the built-in settings, in the order the add-on's entry points are found, as 4.4.1
    assert env_lines[-3:] == [
        "MELTANO_STATE_BACKEND_PGSTATE_CONNECT_TIMEOUT='7'",
        "MELTANO_STATE_BACKEND_PGSTATE_SCHEMA='public'",
        "MELTANO_STATE_BACKEND_PGSTATE_TABLE='meltano_state'",
    ]
    bad = invoke("config", "set", "meltano", "state_backend.pgstate.connect_timeout", "soon")
    assert bad.exit_code == ExitCode.FAILED and "Traceback" not in bad.output


def test_missing_setting_and_unknown_scheme(invoke: Invoke, pgstate: PgState) -> None:
    no_user = invoke("state", "list", env={"MELTANO_STATE_BACKEND_URI": "pgstate://127.0.0.1/db"})
    assert no_user.exit_code == ExitCode.FAILED
    assert (
        "Error: The 'pgstate' state backend is not configured: pgstate needs a user in the URI."
        in no_user.stderr
    )
    unknown = invoke("state", "list", env={"MELTANO_STATE_BACKEND_URI": "nope://x"})
    assert unknown.exit_code == ExitCode.FAILED
    assert (
        "No state backend found for scheme 'nope', available backends are: "
        "systemdb, azure, file, gs, s3, pgstate." in unknown.stderr
    )
    unknown_setting = invoke("config", "set", "meltano", "state_backend.nope.host", "h")
    assert "A state backend add-on's settings exist once the add-on is installed" in (
        unknown_setting.stderr
    )
