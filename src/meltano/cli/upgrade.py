"""`meltano upgrade database` (the other 4.4.1 subcommands are not available yet)."""

from __future__ import annotations

from typing import Any

import click

from meltano.cli.options import pass_project


@click.group("upgrade")
def command() -> None:
    """Upgrade parts of the project to what this Meltano expects."""


@command.command("database")
@pass_project(database=True)
def database(project: Any) -> None:
    """Apply pending migrations to the system database."""
    from meltano.core.db.engine import HEAD, upgrade_database

    click.echo("Applying migrations to system database...")
    if upgrade_database(project):
        click.echo(f"Upgrading database to {HEAD}")
    else:
        click.echo("System database up-to-date.")
