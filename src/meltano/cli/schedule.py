"""`meltano schedule [add]|list|set|remove|run`: when to run a job or an extractor/loader pair."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import click
import structlog

from meltano.cli.options import pass_project
from meltano.cli.render import as_json
from meltano.cli.root import LazyGroup
from meltano.core.blocks.history import RunHistory
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project
from meltano.core.schedules import listing, runs, schedules
from meltano.core.settings.database import open_database

schedule_project = pass_project(environment_policy=Policy.UNUSED, database=True)
DEFAULT_SUBCOMMAND = "add"
INTERVAL_HELP = (
    "A preset (@once, @manual, @none, @hourly, @daily, @weekly, @monthly, @yearly, "
    "@annually, @midnight) or a 5-field cron expression."
)
TRANSFORM_CHOICE = click.Choice(["skip", "only", "run"])


RUN_HELP = """Run schedule NAME now, in a child `meltano` with the schedule's `env`.

    Job schedules run `meltano run ARGS... JOB`; extractor/loader schedules run
    `meltano elt EXTRACTOR LOADER --transform=T --state-id=NAME ARGS...`.
    The exit code is the child's.
    """


class DefaultSubcommandGroup(LazyGroup):
    """A group that runs `add` when the first argument is not a subcommand name."""

    # `run` starts a child meltano: its module is imported only when it runs
    lazy: ClassVar[Mapping[str, tuple[str, str]]] = {
        "run": ("meltano.cli.schedule_run:command", RUN_HELP)
    }

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.list_commands(ctx) and not args[0].startswith("-"):
            return DEFAULT_SUBCOMMAND, self.commands[DEFAULT_SUBCOMMAND], args
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            shown = self.commands.get(name) or click.Command(name, help=self.lazy[name][1])
            help_text = shown.get_short_help_str(limit=60)
            if name == DEFAULT_SUBCOMMAND:
                name, help_text = f"{name}*", f"[default] {help_text}"
            rows.append((name, help_text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    "schedule",
    cls=DefaultSubcommandGroup,
)
@click.option("--database-uri", metavar="URI", help="System database URL for this invocation.")
@click.pass_context
def command(ctx: click.Context, database_uri: str | None) -> None:
    """Manage schedules: run a job (or an extractor/loader pair) at an interval.

    Meltano keeps schedules as data; an external scheduler (cron, Airflow) reads them with
    `meltano schedule list --format json`. `add` is the default subcommand.

    \b
    Examples:
        meltano schedule daily-load --job load-all --interval @daily
        meltano schedule add hourly --extractor tap-x --loader target-y --interval '0 * * * *'
        meltano schedule set daily-load --interval '30 2 * * *'
        meltano schedule list --format json
    """
    if database_uri:
        names = command.list_commands(ctx)
        ctx.default_map = {name: {"database_uri": database_uri} for name in names}


@command.command("add")
@click.argument("name")
@click.option("--interval", required=True, metavar="CRON", help=INTERVAL_HELP)
@click.option("--job", help="The job to run.")
@click.option("--extractor", help="The extractor to run (ELT schedules only).")
@click.option("--loader", help="The loader to run (ELT schedules only).")
@click.option("--transform", type=TRANSFORM_CHOICE, help="ELT schedules only (default: skip).")
@schedule_project
def add_schedule(
    project: Project,
    name: str,
    *,
    interval: str,
    job: str | None,
    extractor: str | None,
    loader: str | None,
    transform: str | None,
) -> None:
    """Add a schedule for a job (--job) or an extractor/loader pair."""

    schedule: schedules.Schedule
    if job is not None:
        if extractor or loader or transform:
            raise schedules.MixedScheduleError()
        schedule = schedules.JobSchedule(name, interval, job)
    else:
        if not extractor:
            raise click.UsageError("Missing --extractor (or pass --job)")
        if not loader:
            raise click.UsageError("Missing --loader")
        schedule = schedules.EltSchedule(name, interval, extractor, loader, transform or "skip")
    if not schedules.add_schedule(project, schedule):
        # 4.4.1 exits 0 here and scripts may rely on it (quirks-4.4.1.md row 38)
        click.secho(f"Schedule '{name}' already exists.", fg="yellow")
        return
    kind = "job" if isinstance(schedule, schedules.JobSchedule) else "elt"
    click.echo(f"Scheduled {kind} '{name}' at {interval}")


@command.command("set")
@click.argument("name")
@click.option("--interval", metavar="CRON", help=INTERVAL_HELP)
@click.option("--job", help="The job to run (job schedules).")
@click.option("--extractor", help="The extractor to run (ELT schedules).")
@click.option("--loader", help="The loader to run (ELT schedules).")
@click.option("--transform", type=TRANSFORM_CHOICE, help="The transform flag (ELT schedules).")
@schedule_project
def set_schedule(project: Project, /, name: str, **fields: str | None) -> None:
    """Update schedule NAME (interval, job, extractor, loader, transform)."""

    changes = {key: value for key, value in fields.items() if value is not None}
    schedules.update_schedule(project, name, changes)
    click.echo(f"Updated schedule '{name}'")


@command.command("remove")
@click.argument("name")
@schedule_project
def remove_schedule(project: Project, name: str) -> None:
    """Remove schedule NAME."""

    schedules.remove_schedule(project, name)
    structlog.get_logger("meltano").info("schedule removed", schedule=name)


@command.command("list")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@schedule_project
def list_schedules(project: Project, *, output_format: str) -> None:
    """List schedules; `--format json` is what external schedulers read."""

    history = RunHistory(open_database(project))
    runs.mark_stale_runs(history)
    ends = runs.last_successful_run_ends(history, listing.elt_state_ids(project))
    found = listing.read(project, ends)
    if output_format == "json":
        click.echo(as_json(listing.as_document(found)))
    else:
        for line in listing.as_lines(found):
            click.echo(line)
