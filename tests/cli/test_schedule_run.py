"""`meltano schedule run NAME`: a child `meltano` runs the schedule's job with its env."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meltano.core.schedules.launch import schedule_args
from meltano.core.schedules.schedules import EltSchedule, JobSchedule

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def project(project_dir: Path) -> Path:
    path = project_dir / "meltano.yml"
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
      records: 3
      state_every: 1
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {PLUGINS / "target_jsonl.py"}
    config:
      path: $MELTANO_PROJECT_ROOT/output/out.jsonl
  utilities:
  - name: util
    namespace: util
    executable: sh
    commands:
      env: -c "echo $SCHEDULE_FOO > $MELTANO_PROJECT_ROOT/output/env.txt"
      fail: -c "exit 7"
jobs:
- name: load
  tasks:
  - tap-counter target-jsonl util:env
- name: failing
  tasks:
  - util:fail
schedules:
- name: daily-load
  interval: '@daily'
  job: load
  env:
    SCHEDULE_FOO: from-schedule
- name: broken
  interval: '@daily'
  job: failing
- name: hourly-elt
  interval: '@hourly'
  extractor: tap-counter
  loader: target-jsonl
  transform: skip
"""
    )
    (project_dir / "output").mkdir(exist_ok=True)
    return project_dir


def test_job_schedule_runs_its_job_with_its_env(invoke, project: Path) -> None:
    result = invoke("schedule", "run", "daily-load")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (project / "output" / "out.jsonl").read_text().split()]
    assert [row["record"]["id"] for row in records if row["type"] == "RECORD"] == [1, 2, 3]
    assert (project / "output" / "env.txt").read_text() == "from-schedule\n"
    state = json.loads(invoke("state", "get", "dev:tap-counter-to-target-jsonl").stdout)
    assert state == {"singer_state": {"bookmarks": {"counter": {"id": 3}}}}


def test_extra_arguments_go_to_the_child_run(invoke, project: Path) -> None:
    result = invoke("schedule", "run", "daily-load", "--dry-run")
    assert result.exit_code == 0, result.output
    assert not (project / "output" / "out.jsonl").exists()


def test_exit_code_is_the_childs(invoke, project: Path) -> None:
    assert invoke("schedule", "run", "broken").exit_code == 1


def test_elt_schedule_uses_its_name_as_state_id(invoke, project: Path) -> None:
    result = invoke("schedule", "run", "hourly-elt")
    assert result.exit_code == 0, result.output
    state = json.loads(invoke("state", "get", "hourly-elt").stdout)
    assert state == {"singer_state": {"bookmarks": {"counter": {"id": 3}}}}
    listed = json.loads(invoke("schedule", "list", "--format", "json").stdout)
    (elt,) = listed["schedules"]["elt"]
    assert elt["last_successful_run_ended_at"] is not None


def test_unknown_schedule_says_how_to_list(invoke, project: Path) -> None:
    result = invoke("schedule", "run", "nope")
    assert result.exit_code == 1
    assert "Schedule 'nope' was not found" in result.stderr
    assert "meltano schedule list" in result.stderr


def test_child_arguments_by_schedule_kind() -> None:
    job = JobSchedule("s", "@daily", "load")
    assert schedule_args(job, ("--full-refresh",)) == ["run", "--full-refresh", "load"]
    elt = EltSchedule("hourly", "@hourly", "tap-x", "target-y", "run")
    assert schedule_args(elt, ("--dry",)) == [
        "elt",
        "tap-x",
        "target-y",
        "--transform=run",
        "--state-id=hourly",
        "--dry",
    ]
