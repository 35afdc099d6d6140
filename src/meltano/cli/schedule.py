"""`meltano schedule [add]|list|set|remove`: when to run a job or an extractor/loader pair."""

from __future__ import annotations

from typing import Any

import click

from meltano.cli.options import CliState, pass_project
from meltano.cli.render import as_json
from meltano.core.project.environments import Policy

schedule_project = pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
DEFAULT_SUBCOMMAND = "add"
INTERVAL_HELP = (
    "A preset (@once, @manual, @none, @hourly, @daily, @weekly, @monthly, @yearly, "
    "@annually, @midnight) or a 5-field cron expression."
)
TRANSFORM_CHOICE = click.Choice(["skip", "only", "run"])


class DefaultSubcommandGroup(click.Group):
    """A group that runs `add` when the first argument is not a subcommand name."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return DEFAULT_SUBCOMMAND, self.commands[DEFAULT_SUBCOMMAND], args
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            help_text = self.commands[name].get_short_help_str(limit=60)
            if name == DEFAULT_SUBCOMMAND:
                name, help_text = f"{name}*", f"[default] {help_text}"
            rows.append((name, help_text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group("schedule", cls=DefaultSubcommandGroup)
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
        ctx.default_map = {name: {"database_uri": database_uri} for name in command.commands}


@command.command("add")
@click.argument("name")
@click.option("--interval", required=True, metavar="CRON", help=INTERVAL_HELP)
@click.option("--job", help="The job to run.")
@click.option("--extractor", help="The extractor to run (ELT schedules only).")
@click.option("--loader", help="The loader to run (ELT schedules only).")
@click.option("--transform", type=TRANSFORM_CHOICE, help="ELT schedules only (default: skip).")
@schedule_project
def add_schedule(
    project: Any,
    name: str,
    *,
    interval: str,
    job: str | None,
    extractor: str | None,
    loader: str | None,
    transform: str | None,
) -> None:
    """Add a schedule for a job (--job) or an extractor/loader pair."""
    from meltano.core.schedules import schedules

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
def set_schedule(project: Any, name: str, **fields: str | None) -> None:
    """Update schedule NAME (interval, job, extractor, loader, transform)."""
    from meltano.core.schedules import schedules

    changes = {key: value for key, value in fields.items() if value is not None}
    schedules.update_schedule(project, name, changes)
    click.echo(f"Updated schedule '{name}'")


@command.command("remove")
@click.argument("name")
@schedule_project
def remove_schedule(project: Any, name: str) -> None:
    """Remove schedule NAME."""
    import structlog

    from meltano.core.schedules import schedules

    schedules.remove_schedule(project, name)
    structlog.get_logger("meltano").info("schedule removed", schedule=name)


@command.command("list")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@schedule_project
def list_schedules(project: Any, *, output_format: str) -> None:
    """List schedules; `--format json` is what external schedulers read."""
    from meltano.core.blocks.history import RunHistory
    from meltano.core.db.connect import open_database
    from meltano.core.schedules import listing, runs

    history = RunHistory(open_database(project))
    runs.mark_stale_runs(history)
    ends = runs.last_successful_run_ends(history, listing.elt_state_ids(project))
    found = listing.read(project, ends)
    if output_format == "json":
        click.echo(as_json(listing.as_document(found)))
    else:
        for line in listing.as_lines(found):
            click.echo(line)


@command.command(
    "run", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.argument("name")
@click.argument("extra_args", nargs=-1, type=click.UNPROCESSED, metavar="[ARGS]...")
@schedule_project
def run_schedule(project: Any, name: str, extra_args: tuple[str, ...]) -> None:
    """Run schedule NAME now, in a child `meltano` with the schedule's `env`.

    Job schedules run `meltano run ARGS... JOB`; extractor/loader schedules run
    `meltano elt EXTRACTOR LOADER --transform=T --state-id=NAME ARGS...`.
    The exit code is the child's.
    """
    import asyncio
    import sys

    import structlog

    from meltano.core.processes.pipes import PluginCommand, run_command
    from meltano.core.schedules import schedules

    schedule = schedules.find_schedule(project, name)
    argv = [*meltano_executable(project), *schedule_args(schedule, extra_args)]
    env = {**project.environ, **{key: str(value) for key, value in schedule.env.items()}}
    state: CliState | None = click.get_current_context().find_object(CliState)
    if state is not None and state.environment and "MELTANO_ENVIRONMENT" not in schedule.env:
        env["MELTANO_ENVIRONMENT"] = state.environment
    structlog.get_logger("meltano").debug("running schedule", schedule=name, argv=argv)
    command = PluginCommand(name="meltano", argv=argv, env=env, cwd=project.root)
    sys.exit(asyncio.run(run_command(command)))


def meltano_executable(project: Any) -> list[str]:
    """The project's `meltano` link if `ensure_sys_dir` made one, else this interpreter."""
    import sys

    link = project.run_dir / "bin"
    if link.is_symlink() and link.exists():
        return [str(link)]
    return [sys.executable, "-m", "meltano"]


def schedule_args(schedule: Any, extra_args: tuple[str, ...]) -> list[str]:
    """The `meltano` arguments that run `schedule` (job: `run`; extractor/loader: `elt`)."""
    from meltano.core.schedules.schedules import JobSchedule

    if isinstance(schedule, JobSchedule):
        return ["run", *extra_args, schedule.job]
    return ["elt", *schedule.elt_args, *extra_args]
