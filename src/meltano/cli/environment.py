"""`meltano environment list|add|remove`."""

from __future__ import annotations

import click

from meltano.cli.options import pass_project
from meltano.core.project import environments
from meltano.core.project.project import Project


@click.group("environment")
def command() -> None:
    """Manage environments in meltano.yml."""


@command.command("list")
@pass_project(database=True)
def list_environments(project: Project) -> None:
    """Print environment names, one per line."""

    for name in environments.names(project):
        click.echo(name)


@command.command("add")
@click.argument("name")
@pass_project(database=True)
def add_environment(project: Project, name: str) -> None:
    """Add an environment named NAME."""

    environments.add(project, name)
    click.echo(f"Created new environment '{name}'")


@command.command("remove")
@click.argument("name")
@pass_project(database=True)
def remove_environment(project: Project, name: str) -> None:
    """Remove the environment named NAME."""

    environments.remove(project, name)
    click.echo(f"Removed environment '{name}'")
