"""`schedule run`: run a schedule now, in a child `meltano` with the schedule's `env`."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import structlog

from meltano.core.processes.pipes import PluginCommand, run_command
from meltano.core.schedules.schedules import JobSchedule, find_schedule

if TYPE_CHECKING:
    from meltano.core.project.project import Project
    from meltano.core.schedules.schedules import Schedule

log = structlog.get_logger("meltano")


def meltano_executable(project: Project) -> list[str]:
    """The project's `meltano` link if `ensure_sys_dir` made one, else this interpreter."""
    link = project.run_dir / "bin"
    if link.is_symlink() and link.exists():
        return [str(link)]
    return [sys.executable, "-m", "meltano"]


def schedule_args(schedule: Schedule, extra_args: tuple[str, ...]) -> list[str]:
    """The `meltano` arguments that run `schedule` (job: `run`; extractor/loader: `elt`)."""
    if isinstance(schedule, JobSchedule):
        return ["run", *extra_args, schedule.job]
    return ["elt", *schedule.elt_args, *extra_args]


def run_schedule(
    project: Project, name: str, extra_args: tuple[str, ...], *, environment: str | None
) -> int:
    """Run schedule `name` in a child `meltano`; its shell-style exit status.

    The child gets the schedule's `env`, and the active environment unless that `env` sets
    MELTANO_ENVIRONMENT itself.
    """
    schedule = find_schedule(project, name)
    argv = [*meltano_executable(project), *schedule_args(schedule, extra_args)]
    env = {**project.environ, **{key: str(value) for key, value in schedule.env.items()}}
    if environment and "MELTANO_ENVIRONMENT" not in schedule.env:
        env["MELTANO_ENVIRONMENT"] = environment
    log.debug("running schedule", schedule=name, argv=argv)
    command = PluginCommand(name="meltano", argv=argv, env=env, cwd=project.root)
    return asyncio.run(run_command(command))
