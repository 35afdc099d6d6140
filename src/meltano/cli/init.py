"""`meltano init`."""

from __future__ import annotations

from pathlib import Path

import click
import structlog

from meltano.cli.root import CliState
from meltano.core.booleans import is_truthy
from meltano.core.db.connect import create_database
from meltano.core.project.init import ENVIRONMENTS, init_project

LOGO = r"""
                 _ _
  _ __ ___   ___| | |_ __ _ _ __   ___
 | '_ ` _ \ / _ \ | __/ _` | '_ \ / _ \
 | | | | | |  __/ | || (_| | | | | (_) |
 |_| |_| |_|\___|_|\__\__,_|_| |_|\___/
"""


@click.command("init")
@click.argument("project_directory", required=False, type=click.Path(path_type=Path))
@click.option("--no-usage-stats", is_flag=True, help="Store `send_anonymous_usage_stats: false`.")
@click.option("--force", is_flag=True, help="Overwrite an existing meltano.yml.")
@click.option("--database-uri", metavar="URI", help="System database URL for the new project.")
@click.pass_obj
def command(
    state: CliState,
    project_directory: Path | None,
    *,
    no_usage_stats: bool,
    force: bool,
    database_uri: str | None,
) -> None:
    """Create a new Meltano project in PROJECT_DIRECTORY."""

    if project_directory is None:
        project_directory = Path(click.prompt("Enter a name now to create a Meltano project"))
    directory = state.cwd / project_directory
    enclosing = state.project_root()
    if enclosing is not None and enclosing.resolve() != directory.resolve():
        structlog.get_logger("meltano").warning(
            "creating a project inside another project", enclosing_project=str(enclosing)
        )
    stats_setting = state.environ.get("MELTANO_SEND_ANONYMOUS_USAGE_STATS")
    usage_stats = not no_usage_stats and (stats_setting is None or is_truthy(stats_setting))
    result = init_project(
        directory,
        usage_stats=usage_stats,
        force=force,
        environ=state.environ,
    )
    create_database(result.project, database_uri)
    click.echo(f"Created project files in {project_directory}/")
    for relative, written in result.files:
        click.echo(f"   |-- {relative}" + ("" if written else " (skipped: already exists)"))
    click.echo("Created the system database.")
    click.echo(LOGO)
    click.secho("Your project has been created!", fg="green")
    click.echo(f"\nEnvironments: {', '.join(ENVIRONMENTS)} (default: dev).")
    click.echo("\nNext steps:")
    click.echo(f"  cd {project_directory}")
    click.echo("  meltano environment list")
