"""`meltano install [PLUGIN...]`."""

from __future__ import annotations

import os
from typing import Any

import click

from meltano.cli.options import pass_project
from meltano.core.errors import MeltanoError


@click.command("install")
@click.argument("plugin_names", nargs=-1, metavar="[PLUGIN]...")
@click.option("--plugin-type", help="Only plugins of this type.")
@click.option("--clean", is_flag=True, help="Recreate each venv from scratch.")
@click.option(
    "--parallelism",
    "-p",
    type=int,
    default=None,
    help="How many plugins to install at once (default: CPU count; < 1: no limit).",
)
@click.option(
    "--force",
    "-f",
    is_flag=True,
    help="Ignore Requires-Python of packages (virtualenv backend only).",
)
@pass_project(database=True)
def command(
    project: Any,
    plugin_names: tuple[str, ...],
    *,
    plugin_type: str | None,
    clean: bool,
    parallelism: int | None,
    force: bool,
) -> None:
    """Install the project's plugins, each into its own virtual environment."""
    import structlog

    from meltano.core.plugins.installer import install_plugins
    from meltano.core.plugins.lockfile import locked_or_fetched
    from meltano.core.plugins.project_plugin import project_plugins
    from meltano.core.plugins.types import PluginType
    from meltano.core.venvs.install import InstallStatus

    log = structlog.get_logger("meltano")
    wanted_type = PluginType.parse(plugin_type) if plugin_type else None
    plugins = [
        plugin
        for plugin in project_plugins(project, definitions=locked_or_fetched("install"))
        if (wanted_type is None or plugin.type is wanted_type)
        and (not plugin_names or plugin.name in plugin_names)
    ]
    log.info("installing plugins", count=len(plugins))
    results = install_plugins(
        project,
        plugins,
        clean=clean,
        force=force,
        parallelism=parallelism if parallelism is not None else os.cpu_count(),
    )
    installed = sum(r.status is InstallStatus.INSTALLED for r in results)
    skipped = sum(r.status is InstallStatus.SKIPPED for r in results)
    failed = [r for r in results if r.status is InstallStatus.FAILED]
    log.info(
        "installation finished",
        installed=f"{installed}/{len(results)}",
        skipped=f"{skipped}/{len(results)}",
        failed=f"{len(failed)}/{len(results)}",
    )
    if failed:
        first = failed[0].error
        raise MeltanoError(
            f"Failed to install {len(failed)} of {len(results)} plugins: "
            + ", ".join(r.plugin.name for r in failed),
            first.instruction if first is not None else "Rerun with --log-level=debug",
        )
