"""`meltano lock [PLUGIN...]`."""

from __future__ import annotations

import click
import structlog

from meltano.cli.options import pass_project
from meltano.core.errors import MeltanoError, ProjectReadOnlyError
from meltano.core.plugins.hub import hub_client_for
from meltano.core.plugins.lockfile import LockStatus, lock_plugin
from meltano.core.plugins.project_plugin import project_plugins
from meltano.core.plugins.types import PluginType
from meltano.core.project.project import Project


@click.command("lock")
@click.argument("plugin_names", nargs=-1, metavar="[PLUGIN]...")
@click.option("--plugin-type", help="Only plugins of this type.")
@click.option("--update", "-u", is_flag=True, help="Rewrite existing lock files from the Hub.")
@pass_project(database=True)
def command(
    project: Project, plugin_names: tuple[str, ...], *, plugin_type: str | None, update: bool
) -> None:
    """Write lock files with the Hub definitions of the project's plugins."""

    log = structlog.get_logger("meltano")
    wanted_type = PluginType.parse(plugin_type) if plugin_type else None
    plugins = [
        plugin
        for plugin in project_plugins(project)
        if (wanted_type is None or plugin.type is wanted_type)
        and (not plugin_names or plugin.name in plugin_names)
    ]
    if not plugins:
        raise MeltanoError(
            "No matching plugin(s) found", "List the project's plugins with `meltano plugin list`"
        )
    if project.readonly:
        raise ProjectReadOnlyError()
    client = hub_client_for(project, "lock")
    log.info("locking plugins", count=len(plugins))
    for plugin in plugins:
        outcome = lock_plugin(project.root, plugin, client, update=update)
        kind = plugin.type.singular
        if outcome.status is LockStatus.LOCKED:
            log.info(
                "locked definition", plugin_type=kind, name=plugin.name, path=str(outcome.path)
            )
        elif outcome.status is LockStatus.EXISTS:
            log.info(
                "lock file exists, pass --update to rewrite it",
                plugin_type=kind,
                name=plugin.name,
                path=str(outcome.path),
            )
        elif outcome.status is LockStatus.CUSTOM:
            log.warning(
                "custom plugin has no Hub definition to lock", plugin_type=kind, name=plugin.name
            )
        else:
            log.warning(
                "inheriting plugin uses its parent's lock file", plugin_type=kind, name=plugin.name
            )
