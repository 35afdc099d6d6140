"""Meltano schedules as Airflow DAGs: one DAG per schedule, one task running it.

Installed into a Meltano project by the `files-airflow-meltano` file bundle and kept up to
date by `meltano upgrade files`. Airflow parses this file from its dags folder; it asks
Meltano for the project's schedules (`meltano schedule list --format json`) and makes, for
each schedule (a schedule without an interval (`@manual`) runs only when triggered):

- a job schedule: a DAG `meltano_<name>` whose task runs `meltano run <job>`;
- an extractor/loader schedule: a task running `meltano elt <extractor> <loader> ...`
  with the schedule's name as state ID.

Each task gets the schedule's `env` and `MELTANO_JOB_TRIGGER=airflow`, runs in the project
directory, and fails when Meltano exits non-zero, so Airflow's retries and alerts apply.
If the schedules cannot be read (no `meltano` executable, a broken meltano.yml), parsing this
file raises an error naming the cause, which Airflow shows as an import error: a silent,
empty DAG list would hide every pipeline.

Variables read here:
- MELTANO_PROJECT_ROOT: the project (set by `meltano invoke airflow ...`; otherwise the
  directory that holds this file's `orchestrate/` folder).
- MELTANO_EXECUTABLE: the `meltano` program (default: the project's `.meltano/run/bin`
  link, else `meltano` on PATH).
- MELTANO_AIRFLOW_DAG_RETRIES, MELTANO_AIRFLOW_DAG_RETRY_DELAY_SECONDS: task retries (0, 300).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.x
    from airflow import DAG  # type: ignore[no-redef]  # same name, older home
    from airflow.operators.bash import BashOperator  # type: ignore[no-redef]  # same

PROJECT_ROOT = Path(os.environ.get("MELTANO_PROJECT_ROOT") or Path(__file__).resolve().parents[3])
LIST_TIMEOUT_SECONDS = 120
START_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


class MeltanoSchedulesError(RuntimeError):
    """The project's schedules could not be read; the message says why and what to do."""


def meltano_executable() -> str:
    """The `meltano` program that runs this project."""
    configured = os.environ.get("MELTANO_EXECUTABLE")
    if configured:
        return configured
    link = PROJECT_ROOT / ".meltano" / "run" / "bin"
    if link.exists():
        return str(link)
    found = shutil.which("meltano")
    if found is None:
        raise MeltanoSchedulesError(
            "No `meltano` executable found to read the schedules of the Meltano project at "
            f"{PROJECT_ROOT}: set MELTANO_EXECUTABLE, put `meltano` on PATH, or run any "
            "`meltano` command in the project once (it links .meltano/run/bin)"
        )
    return found


def read_schedules(meltano: str) -> dict[str, list[dict[str, Any]]]:
    """`meltano schedule list --format json`, or an error carrying Meltano's own message."""
    argv = [meltano, "schedule", "list", "--format=json"]
    try:
        done = subprocess.run(
            argv,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=LIST_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MeltanoSchedulesError(f"`{shlex.join(argv)}` could not run: {error}") from error
    if done.returncode != 0:
        raise MeltanoSchedulesError(
            f"`{shlex.join(argv)}` failed with exit code {done.returncode} in {PROJECT_ROOT}:\n"
            f"{done.stderr.strip()[-2000:]}"
        )
    try:
        return dict(json.loads(done.stdout)["schedules"])
    except (ValueError, KeyError, TypeError) as error:
        raise MeltanoSchedulesError(
            f"`{shlex.join(argv)}` printed something other than a schedule list: {error}"
        ) from error


def dag_id(schedule_name: str) -> str:
    """Airflow DAG ids allow letters, digits, `-`, `.` and `_` only."""
    return "meltano_" + re.sub(r"[^A-Za-z0-9_.-]", "_", schedule_name)


def airflow_schedule(entry: dict[str, Any]) -> str | None:
    """What Airflow runs on: the cron expression, `@once`, or None (manual runs only)."""
    if entry.get("interval") == "@once":
        return "@once"
    cron = entry.get("cron_interval")
    return str(cron) if cron else None


def task_command(meltano: str, meltano_args: list[str]) -> str:
    """A shell line for BashOperator; a trailing space stops Jinja treating it as a file."""
    return f"cd {shlex.quote(str(PROJECT_ROOT))} && exec {shlex.join([meltano, *meltano_args])} "


def make_dag(name: str, entry: dict[str, Any], meltano_args: list[str], meltano: str) -> DAG:
    """One DAG with one task that runs the schedule through Meltano."""
    env = {str(key): str(value) for key, value in (entry.get("env") or {}).items()}
    env.setdefault("MELTANO_JOB_TRIGGER", "airflow")
    retries = int(os.environ.get("MELTANO_AIRFLOW_DAG_RETRIES", "0"))
    delay = int(os.environ.get("MELTANO_AIRFLOW_DAG_RETRY_DELAY_SECONDS", "300"))
    with DAG(
        dag_id(name),
        schedule=airflow_schedule(entry),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,  # two runs of one pipeline would fight over its state
        tags=["meltano"],
        doc_md=f"Meltano schedule `{name}`: `meltano {shlex.join(meltano_args)}`",
        default_args={"retries": retries, "retry_delay": datetime.timedelta(seconds=delay)},
    ) as dag:
        BashOperator(
            task_id="run" if meltano_args[0] == "run" else "extract_load",
            bash_command=task_command(meltano, meltano_args),
            env=env,
            append_env=True,
        )
    return dag


def build_dags() -> dict[str, DAG]:
    """One DAG per schedule of the project, keyed by DAG id."""
    meltano = meltano_executable()
    schedules = read_schedules(meltano)
    dags: dict[str, DAG] = {}
    for entry in schedules.get("job") or []:
        args = ["run", str(entry["job"]["name"])]
        dags[dag_id(entry["name"])] = make_dag(entry["name"], entry, args, meltano)
    for entry in schedules.get("elt") or []:
        args = ["elt", *[str(arg) for arg in entry["elt_args"]]]
        dags[dag_id(entry["name"])] = make_dag(entry["name"], entry, args, meltano)
    return dags


# Airflow collects DAG objects from this module's globals.
globals().update(build_dags())
