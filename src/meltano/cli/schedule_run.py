"""`meltano schedule run NAME [ARGS]...` (registered on the `schedule` group, loaded lazily)."""

from __future__ import annotations

import sys

import click

from meltano.cli.root import CliState
from meltano.cli.schedule import RUN_HELP, schedule_project
from meltano.core.project.project import Project
from meltano.core.schedules.launch import run_schedule


@click.command(
    "run",
    help=RUN_HELP,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("name")
@click.argument("extra_args", nargs=-1, type=click.UNPROCESSED, metavar="[ARGS]...")
@schedule_project
def command(project: Project, name: str, extra_args: tuple[str, ...]) -> None:
    state = click.get_current_context().find_object(CliState)
    environment = state.environment if state is not None else None
    sys.exit(run_schedule(project, name, extra_args, environment=environment))
