"""`meltano config test PLUGIN` (registered on the `config` group)."""

from __future__ import annotations

from typing import Any

import click

from meltano.cli.config import command as config_group
from meltano.cli.install_switch import install_switch
from meltano.cli.options import pass_project
from meltano.core.errors import MeltanoError
from meltano.core.project.environments import Policy


@config_group.command("test")
@click.argument("plugin")
@install_switch
@pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
def test_config(project: Any, plugin: str, *, install_mode: str | None) -> None:
    """Check that an extractor or loader accepts its configuration."""
    import structlog

    from meltano.core.plugins.config_test import run_config_test
    from meltano.core.plugins.installer import ensure_installed
    from meltano.core.plugins.invocation import prepare
    from meltano.core.plugins.lockfile import locked_or_fetched
    from meltano.core.plugins.project_plugin import find_plugin
    from meltano.core.plugins.types import PluginType

    if plugin == "meltano":
        raise MeltanoError(
            "Testing of the Meltano project configuration is not supported",
            "Test an extractor or a loader instead",
        )
    found = find_plugin(project, plugin, definitions=locked_or_fetched("config"))
    if found.type not in (PluginType.EXTRACTORS, PluginType.LOADERS):
        raise MeltanoError(
            f"Operation not supported for {found.type.singular} '{found.name}'",
            "`config test` works for extractors and loaders",
        )
    if not ensure_installed(project, [found], mode=install_mode):
        return
    if found.type is PluginType.LOADERS:
        structlog.get_logger("meltano").warning(
            "testing a loader writes a test stream to its destination", stream="meltano_test_stream"
        )
    with prepare(project, found) as invocation:
        result = run_config_test(project, invocation)
    if not result.valid:
        raise MeltanoError(
            f"Plugin configuration is invalid: {result.detail}",
            f"Run 'meltano config list {found.name}' to review the plugin settings",
        )
    click.secho("Plugin configuration is valid", fg="green")
