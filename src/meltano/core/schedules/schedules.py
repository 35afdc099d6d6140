"""Schedules in `meltano.yml`: a job, or a legacy extractor/loader pair, plus an interval.

A schedule with a truthy `job` key is a job schedule; any other is an ELT schedule, whose
state ID is the schedule's name (its runs pass `--state-id=NAME`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from meltano.core.errors import MeltanoError
from meltano.core.project import document
from meltano.core.project.project import Project
from meltano.core.schedules.intervals import check_interval, cron_interval
from meltano.core.schedules.jobs import find_job

TRANSFORMS = ("skip", "only", "run")
ELT_FIELDS = ("extractor", "loader", "transform")


@dataclass(frozen=True)
class JobSchedule:
    """Run job `job` at `interval`, with `env` added to the process environment."""

    name: str
    interval: str | None
    job: str
    env: dict[str, Any] = field(default_factory=dict)

    @property
    def cron_interval(self) -> str | None:
        return cron_interval(self.interval)


@dataclass(frozen=True)
class EltSchedule:
    """Run `meltano elt EXTRACTOR LOADER` at `interval` (the pre-`run` way)."""

    name: str
    interval: str | None
    extractor: str | None
    loader: str | None
    transform: str = "skip"
    env: dict[str, Any] = field(default_factory=dict)

    @property
    def cron_interval(self) -> str | None:
        return cron_interval(self.interval)

    @property
    def elt_args(self) -> list[str]:
        """Arguments of the `meltano elt` command this schedule runs."""
        return [
            str(self.extractor),
            str(self.loader),
            f"--transform={self.transform}",
            f"--state-id={self.name}",
        ]


Schedule = JobSchedule | EltSchedule


class ScheduleNotFoundError(MeltanoError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"Schedule '{name}' was not found", "List schedules with `meltano schedule list`"
        )


class ScheduleJobNotFoundError(MeltanoError):
    def __init__(self, schedule: str, job: str) -> None:
        super().__init__(
            f"Schedule '{schedule}' refers to job '{job}', which does not exist",
            "Create the job with `meltano job add`, or point the schedule at a listed job "
            "(`meltano job list`)",
        )


class MixedScheduleError(MeltanoError):
    def __init__(self, name: str | None = None) -> None:
        where = f" for schedule '{name}'" if name else ""
        super().__init__(
            f"Cannot mix --job with --extractor/--loader/--transform{where}",
            "A schedule runs either a job or an extractor/loader pair",
        )


def from_entry(entry: Mapping[str, Any]) -> Schedule:
    """A schedule from its `schedules:` entry in the merged project."""
    env = dict(entry.get("env") or {})
    interval = entry.get("interval")
    interval = None if interval is None else str(interval)
    if entry.get("job"):
        return JobSchedule(str(entry["name"]), interval, str(entry["job"]), env)
    return EltSchedule(
        str(entry["name"]),
        interval,
        _optional_str(entry.get("extractor")),
        _optional_str(entry.get("loader")),
        str(entry.get("transform") or "skip"),
        env,
    )


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def list_schedules(project: Project) -> list[Schedule]:
    """All schedules in file order (the root file first, then included files)."""
    return [from_entry(entry) for entry in project.meltano.get("schedules") or []]


def find_schedule(project: Project, name: str) -> Schedule:
    """The schedule called `name`, or ScheduleNotFoundError."""
    for schedule in list_schedules(project):
        if schedule.name == name:
            return schedule
    raise ScheduleNotFoundError(name)


def add_schedule(project: Project, schedule: Schedule) -> bool:
    """Append the schedule to the root file; False (nothing written) if the name is taken."""
    _check(project, schedule)
    with project.edit() as files:
        if files.find("schedules", schedule.name) is not None:
            return False
        data = files.root.data
        if not isinstance(data.get("schedules"), list):
            data["schedules"] = document.new_seq()
        entry = document.new_map()
        entry["name"] = schedule.name
        entry["interval"] = schedule.interval
        if isinstance(schedule, JobSchedule):
            entry["job"] = schedule.job
        else:
            entry["extractor"] = schedule.extractor
            entry["loader"] = schedule.loader
            entry["transform"] = schedule.transform
        data["schedules"].append(entry)
    return True


def update_schedule(project: Project, name: str, changes: Mapping[str, str]) -> Schedule:
    """Change fields (`interval`, `job`, `extractor`, `loader`, `transform`) of one schedule."""
    current = find_schedule(project, name)
    is_job = isinstance(current, JobSchedule)
    if ("job" in changes and not is_job) or (is_job and any(k in changes for k in ELT_FIELDS)):
        raise MixedScheduleError(name)
    updated = from_entry({**_as_entry(current), **changes})
    _check(project, updated)
    with project.edit() as files:
        found = files.find("schedules", name)
        if found is None:
            raise ScheduleNotFoundError(name)
        for key, value in changes.items():
            found[1][key] = value
    return updated


def remove_schedule(project: Project, name: str) -> None:
    """Delete schedule `name` from the file that defines it."""
    with project.edit() as files:
        if not files.remove("schedules", name):
            raise ScheduleNotFoundError(name)


def _as_entry(schedule: Schedule) -> dict[str, Any]:
    """The `schedules:` entry `from_entry` would read this schedule from."""
    entry: dict[str, Any] = {"name": schedule.name, "interval": schedule.interval}
    if isinstance(schedule, JobSchedule):
        entry["job"] = schedule.job
    else:
        entry.update(
            extractor=schedule.extractor, loader=schedule.loader, transform=schedule.transform
        )
    entry["env"] = schedule.env
    return entry


def _check(project: Project, schedule: Schedule) -> None:
    if schedule.interval is not None:
        check_interval(schedule.interval)
    if isinstance(schedule, JobSchedule) and find_job(project, schedule.job) is None:
        raise ScheduleJobNotFoundError(schedule.name, schedule.job)
    if isinstance(schedule, EltSchedule) and schedule.transform not in TRANSFORMS:
        raise MeltanoError(
            f"Schedule '{schedule.name}' has transform '{schedule.transform}'",
            f"Use one of: {', '.join(TRANSFORMS)}",
        )
