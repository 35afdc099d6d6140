"""State backend add-ons written for Meltano 4.4.1, in real `meltano` processes: a run whose
state goes through our PostgreSQL add-on, and meltano-state-backend-snowflake from the
package index (installed once per machine; its settings and its missing-setting error)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Invoke
from tests.e2e.conftest import STATE_ID, ids
from tests.services.addons import PgState, pgstate, pgstate_installed  # noqa: F401 - fixtures
from tests.services.packages import beside_meltano
from tests.services.servers import postgres_uri  # noqa: F401 - fixture

SNOWFLAKE = "meltano-state-backend-snowflake==0.2.7"


def meltano(
    project: Path, *args: str, path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meltano", *args],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(path), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_run_keeps_its_state_in_the_add_on(
    pipeline_project: Path, pgstate: PgState, invoke: Invoke
) -> None:
    first = meltano(
        pipeline_project, "run", "tap-counter", "target-jsonl", path=pgstate.path, env=pgstate.env
    )
    assert first.returncode == 0, first.stderr
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]
    [(state_id, completed, partial)] = pgstate.rows()
    assert state_id == STATE_ID
    assert json.loads(completed) == {"singer_state": {"bookmarks": {"counter": {"id": 6}}}}
    assert json.loads(partial) == {}
    # the next run starts from the add-on's bookmark: nothing new to load
    again = meltano(
        pipeline_project, "run", "tap-counter", "target-jsonl", path=pgstate.path, env=pgstate.env
    )
    assert again.returncode == 0, again.stderr
    assert ids(pipeline_project) == [1, 2, 3, 4, 5, 6]
    got = invoke("state", "get", STATE_ID, env=pgstate.env)
    assert json.loads(got.stdout) == {"singer_state": {"bookmarks": {"counter": {"id": 6}}}}


@pytest.fixture(scope="module")
def snowflake_installed() -> Path:
    return beside_meltano("snowflake-addon", [SNOWFLAKE])


@pytest.mark.slow
def test_snowflake_add_on_loads_lists_its_settings_and_says_what_is_missing(
    snowflake_installed: Path, project_dir: Path
) -> None:
    listed = meltano(project_dir, "config", "list", "meltano", "--all", path=snowflake_installed)
    assert listed.returncode == 0, listed.stderr
    # as 4.4.1 prints them
    assert (
        "state_backend.snowflake.account [env: MELTANO_STATE_BACKEND_SNOWFLAKE_ACCOUNT] "
        "current value: None (default)\n\tSnowflake Account: Snowflake account identifier\n"
        in listed.stdout
    )
    assert listed.stdout.count("state_backend.snowflake.") == 10

    secret = meltano(
        project_dir,
        "config",
        "set",
        "meltano",
        "state_backend.snowflake.password",
        "pw-123",
        path=snowflake_installed,
    )
    assert secret.returncode == 0, secret.stderr
    assert "MELTANO_STATE_BACKEND_SNOWFLAKE_PASSWORD='pw-123'" in (project_dir / ".env").read_text()

    env = {"MELTANO_STATE_BACKEND_URI": "snowflake://my-account"}
    missing = meltano(project_dir, "state", "list", path=snowflake_installed, env=env)
    assert missing.returncode == 1
    assert (
        "Error: The 'snowflake' state backend is not configured: Snowflake user is required.\n"
        in missing.stderr
    )
    assert "Traceback" not in missing.stderr
    env["MELTANO_STATE_BACKEND_SNOWFLAKE_USER"] = "me"
    warehouse = meltano(project_dir, "state", "list", path=snowflake_installed, env=env)
    assert "not configured: Snowflake warehouse is required." in warehouse.stderr
    assert "pw-123" not in warehouse.stderr

    unknown = meltano(
        project_dir,
        "state",
        "list",
        path=snowflake_installed,
        env={"MELTANO_STATE_BACKEND_URI": "nope://"},
    )
    assert "available backends are: systemdb, azure, file, gs, s3, snowflake." in unknown.stderr
