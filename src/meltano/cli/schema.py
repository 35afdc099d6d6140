"""`meltano schema create SCHEMA ROLE...`: prepare a schema in a PostgreSQL system database."""

from __future__ import annotations

import click

from meltano.cli.options import pass_project
from meltano.core.db.schemas import create_schema
from meltano.core.project.project import Project
from meltano.core.settings.database import retry_policy


@click.group("schema")
def command() -> None:
    """Manage schemas in the system database (PostgreSQL)."""


@command.command("create")
@click.argument("schema")
@click.argument("roles", metavar="ROLE...", nargs=-1, required=True)
@pass_project(database=True)
def create(project: Project, schema: str, roles: tuple[str, ...]) -> None:
    """Create SCHEMA if it does not exist and let each ROLE use it.

    Each role gets USAGE and CREATE on the schema, and SELECT on the tables created in it
    from now on.
    """

    grant = create_schema(project, schema, roles, policy=retry_policy(project))
    verb = "Created" if grant.created else "Kept the existing"
    click.echo(f"{verb} schema '{grant.schema}'; granted USAGE and CREATE to {', '.join(roles)}")
