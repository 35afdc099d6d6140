"""`meltano remove PLUGIN...`."""

from __future__ import annotations

import click
import structlog

from meltano.cli.options import pass_project
from meltano.core.plugins.removal import infer_type, remove_plugin
from meltano.core.plugins.types import PluginType
from meltano.core.project.project import Project


@click.command("remove")
@click.argument("plugin_names", nargs=-1, required=True, metavar="PLUGIN...")
@click.option("--plugin-type", help="Type of the plugins (default: found in the project).")
@pass_project(database=True)
def command(project: Project, plugin_names: tuple[str, ...], *, plugin_type: str | None) -> None:
    """Remove plugins from meltano.yml, their venvs, lock files and stored settings."""

    removals = [
        remove_plugin(
            project,
            PluginType.parse(plugin_type) if plugin_type else infer_type(project, name),
            name,
        )
        for name in plugin_names
    ]
    if len(removals) > 1:
        complete = sum(1 for removal in removals if "meltano.yml" in removal.removed)
        structlog.get_logger("meltano").info(
            "removal finished", fully_removed=f"{complete}/{len(removals)}"
        )
    for removal in removals:
        if "meltano.yml" in removal.removed:
            click.echo(f"Removed {removal.plugin_type.singular} '{removal.name}'")
        else:
            click.echo(f"{removal.plugin_type.descriptor} '{removal.name}' is not in this project")
