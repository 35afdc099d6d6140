"""`meltano job add|set|remove|list`: named task lists that `meltano run JOB` expands."""

from __future__ import annotations

import click

from meltano.cli.options import pass_project
from meltano.cli.render import as_json
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project
from meltano.core.schedules import jobs

job_project = pass_project(environment_policy=Policy.UNUSED, database=True)

TASKS_HELP = (
    "Tasks as YAML: one task string ('tap-x target-y dbt:run'), a list of task strings, "
    "or a list mixing strings and lists of strings."
)


@click.group("job")
@click.option("--database-uri", metavar="URI", help="System database URL for this invocation.")
@click.pass_context
def command(ctx: click.Context, database_uri: str | None) -> None:
    """Manage jobs: named lists of tasks for `meltano run`.

    \b
    Examples:
        meltano job add daily --tasks 'tap-x target-y dbt:run'
        meltano job add nightly --tasks '["tap-x target-y", "tap-z target-y"]'
        meltano job list --format json
        meltano run daily
    """
    if database_uri:
        ctx.default_map = {name: {"database_uri": database_uri} for name in _SUBCOMMANDS}


@command.command("add")
@click.argument("name")
@click.option("--tasks", required=True, help=TASKS_HELP)
@job_project
def add_job(project: Project, name: str, *, tasks: str) -> None:
    """Add job NAME; its tasks must be runnable blocks of this project."""

    job = jobs.add_job(project, name, jobs.parse_tasks(name, tasks))
    click.echo(f"Added job {job.name}: {job.tasks}")


@command.command("set")
@click.argument("name")
@click.option("--tasks", required=True, help=TASKS_HELP)
@job_project
def set_job(project: Project, name: str, *, tasks: str) -> None:
    """Replace the tasks of job NAME."""

    job = jobs.set_job(project, name, jobs.parse_tasks(name, tasks))
    if job is None:
        # 4.4.1 exits 0 here and scripts may rely on it (quirks-4.4.1.md row 38)
        click.echo(f"Job '{name}' does not exist.")
        return
    click.echo(f"Updated job {job.name}: {job.tasks}")


@command.command("remove")
@click.argument("name")
@job_project
def remove_job(project: Project, name: str) -> None:
    """Remove job NAME."""

    jobs.remove_job(project, name)
    click.echo(f"Removed job '{name}'.")


@command.command("list")
@click.argument("name", required=False)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@job_project
def list_jobs(project: Project, name: str | None, *, output_format: str) -> None:
    """List all jobs, or only job NAME."""

    if name is not None:
        job = jobs.find_job(project, name)
        if job is None:
            click.echo(f"Job '{name}' does not exist.")  # exit 0, as 4.4.1 (quirks row 38)
            return
        found = [job]
    else:
        found = jobs.list_jobs(project)
    if output_format == "json":
        documents = [{"job_name": job.name, "tasks": job.tasks} for job in found]
        click.echo(as_json(documents[0] if name is not None else {"jobs": documents}))
        return
    for job in found:
        click.echo(f"{job.name}: {job.tasks}")


_SUBCOMMANDS = ("add", "set", "remove", "list")
