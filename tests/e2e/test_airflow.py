"""A real Airflow runs Meltano schedules: the file bundle's DAG generator, the `airflow`
orchestrator's generated config, and `airflow dags test` executing a real `meltano run`.

Installs apache-airflow from the package index into the orchestrator's venv (about a minute
with a warm uv cache), so it is marked slow; CI runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "tests" / "plugins"
BUNDLE = ROOT / "files" / "files-airflow-meltano"
AIRFLOW_PIP_URL = "apache-airflow==3.1.3 apache-airflow-providers-standard==1.21.0"
DAG_ID = "meltano_daily-load"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def meltano(
    project: Path, *args: str, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env or {})}
    # the DAG's task finds `meltano` on PATH, as it would on an Airflow worker
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "meltano", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from meltano.core.db.connect import create_database
    from meltano.core.project.init import init_project

    directory = tmp_path_factory.mktemp("airflow") / "project"
    result = init_project(directory, usage_stats=False, force=False, environ=dict(os.environ))
    create_database(result.project)
    path = directory / "meltano.yml"
    path.write_text(
        path.read_text()
        + f"""
plugins:
  extractors:
  - name: tap-counter
    namespace: tap_counter
    executable: {PLUGINS / "tap_counter.py"}
    capabilities: [state, catalog, discover]
    settings:
    - {{name: records, kind: integer}}
    - {{name: state_every, kind: integer}}
    config:
      records: 5
      state_every: 1
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {PLUGINS / "target_jsonl.py"}
    config:
      path: $MELTANO_PROJECT_ROOT/output/out.jsonl
  orchestrators:
  - name: airflow
    namespace: airflow
    pip_url: {AIRFLOW_PIP_URL}
    settings:
    - name: core.dags_folder
      value: $MELTANO_PROJECT_ROOT/orchestrate/airflow/dags
    - name: core.load_examples
      kind: boolean
      value: false
    - name: core.dags_are_paused_at_creation
      kind: boolean
      value: false
jobs:
- name: load
  tasks:
  - tap-counter target-jsonl
schedules:
- name: daily-load
  interval: '@daily'
  job: load
- name: manual-load
  interval: '@manual'
  job: load
- name: hourly-elt
  interval: '0 * * * *'
  extractor: tap-counter
  loader: target-jsonl
"""
    )
    ref = directory.parent / "files-airflow-meltano.yml"
    ref.write_text(
        "name: files-airflow-meltano\nnamespace: files_airflow_meltano\n"
        f"pip_url: {BUNDLE}\nupdate:\n  orchestrate/airflow/dags/meltano.py: true\n"
    )
    added = meltano(
        directory, "add", "--plugin-type", "files", "files-airflow-meltano", "--from-ref", str(ref)
    )
    assert added.returncode == 0, added.stderr
    installed = meltano(directory, "install", "--plugin-type", "orchestrator", timeout=1500)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return directory


def test_generated_dags_are_listed(project: Path) -> None:
    result = meltano(project, "invoke", "airflow", "dags", "list", "--local", "-o", "json")
    assert result.returncode == 0, result.stderr[-3000:]
    listed = json.loads(result.stdout[result.stdout.index("[") :])
    assert {dag["dag_id"] for dag in listed} == {
        "meltano_daily-load",
        "meltano_manual-load",
        "meltano_hourly-elt",
    }
    assert not (project / ".meltano" / "run" / "airflow" / "airflow.cfg").exists()


def test_dags_test_runs_meltano_and_stores_state(project: Path) -> None:
    result = meltano(project, "invoke", "airflow", "dags", "test", DAG_ID, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    records = (project / "output" / "out.jsonl").read_text().splitlines()
    assert [json.loads(r)["record"]["id"] for r in records if '"RECORD"' in r] == [1, 2, 3, 4, 5]
    state = meltano(project, "state", "get", "dev:tap-counter-to-target-jsonl")
    assert json.loads(state.stdout) == {"singer_state": {"bookmarks": {"counter": {"id": 5}}}}
    runs = json.loads(meltano(project, "logs", "list", "--format", "json").stdout)["runs"]
    assert [run["trigger"] for run in runs] == ["airflow"]


def test_generated_config_uses_plugin_settings(project: Path) -> None:
    result = meltano(project, "invoke", "airflow", "config", "get-value", "core", "dags_folder")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == str(project / "orchestrate/airflow/dags")


def test_failing_meltano_fails_dag_parsing_loudly(project: Path) -> None:
    result = meltano(
        project,
        "invoke",
        "airflow",
        "dags",
        "list-import-errors",
        "--local",
        "-o",
        "json",
        env={"MELTANO_EXECUTABLE": "false"},
    )
    (error,) = json.loads(result.stdout[result.stdout.index("[") :])
    assert error["filepath"].endswith("orchestrate/airflow/dags/meltano.py")
    assert "`false schedule list --format=json` failed with exit code 1" in error["error"]


def test_elt_schedule_dag_runs_meltano_elt_with_the_schedule_state_id(project: Path) -> None:
    result = meltano(project, "invoke", "airflow", "dags", "test", "meltano_hourly-elt")
    assert result.returncode == 0, result.stderr[-4000:]
    state = meltano(project, "state", "get", "hourly-elt")
    assert json.loads(state.stdout) == {"singer_state": {"bookmarks": {"counter": {"id": 5}}}}
