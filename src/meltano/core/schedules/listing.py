"""`meltano schedule list`: schedules joined with their jobs and their last successful runs.

The JSON document is read by external schedulers (Airflow DAG generators), so its shape and
key order follow Meltano 4.4.1 exactly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from meltano.core.project.project import Project
from meltano.core.schedules.jobs import Job, list_jobs
from meltano.core.schedules.schedules import (
    EltSchedule,
    JobSchedule,
    Schedule,
    ScheduleJobNotFoundError,
    list_schedules,
)

# How the text listing draws an ELT schedule's transform choice: (after extractor, after loader)
_ARROWS = {"skip": ("→", "x"), "run": ("→", "→"), "only": ("\N{MULTIPLICATION SIGN}", "→")}


@dataclass(frozen=True)
class Listing:
    """Every schedule, the job each job schedule runs, and last successful run ends."""

    schedules: tuple[Schedule, ...]
    jobs: dict[str, Job]
    last_success: dict[str, datetime.datetime]


def read(project: Project, last_success: dict[str, datetime.datetime]) -> Listing:
    """Collect schedules and their jobs; a job schedule without its job is an error."""
    schedules = tuple(list_schedules(project))
    jobs = {job.name: job for job in list_jobs(project)}
    for schedule in schedules:
        if isinstance(schedule, JobSchedule) and schedule.job not in jobs:
            raise ScheduleJobNotFoundError(schedule.name, schedule.job)
    return Listing(schedules, jobs, last_success)


def elt_state_ids(project: Project) -> list[str]:
    """The state IDs ELT schedules write to (their names)."""
    return [s.name for s in list_schedules(project) if isinstance(s, EltSchedule)]


def as_document(listing: Listing) -> dict[str, Any]:
    """The `--format json` document: `{"schedules": {"job": [...], "elt": [...]}}`."""
    job_entries: list[dict[str, Any]] = []
    elt_entries: list[dict[str, Any]] = []
    for schedule in listing.schedules:
        if isinstance(schedule, JobSchedule):
            job = listing.jobs[schedule.job]
            job_entries.append(
                {
                    "name": schedule.name,
                    "interval": schedule.interval,
                    "cron_interval": schedule.cron_interval,
                    "env": schedule.env,
                    "job": {"name": job.name, "tasks": job.tasks},
                }
            )
        else:
            ended = listing.last_success.get(schedule.name)
            elt_entries.append(
                {
                    "name": schedule.name,
                    "extractor": schedule.extractor,
                    "loader": schedule.loader,
                    "transform": schedule.transform,
                    "interval": schedule.interval,
                    "env": schedule.env,
                    "cron_interval": schedule.cron_interval,
                    "last_successful_run_ended_at": ended.isoformat() if ended else None,
                    "elt_args": schedule.elt_args,
                }
            )
    return {"schedules": {"job": job_entries, "elt": elt_entries}}


def as_lines(listing: Listing) -> list[str]:
    """The text listing: one line per schedule, in file order."""
    lines = []
    for schedule in listing.schedules:
        if isinstance(schedule, JobSchedule):
            tasks = listing.jobs[schedule.job].tasks
            lines.append(f"[{schedule.interval}] job {schedule.name}: {schedule.job} → {tasks}")
        else:
            first, second = _ARROWS.get(schedule.transform, ("→", "?"))
            lines.append(
                f"[{schedule.interval}] elt {schedule.name}: "
                f"{schedule.extractor} {first} {schedule.loader} {second} transforms"
            )
    return lines
