"""`meltano config test PLUGIN`: does an extractor or loader accept its configuration?"""

from __future__ import annotations

import click
import structlog

from meltano.cli.config import TEST_HELP
from meltano.cli.install_switch import install_switch
from meltano.cli.options import pass_project
from meltano.core.errors import MeltanoError
from meltano.core.plugins import finder
from meltano.core.plugins.config_check import run_config_test
from meltano.core.plugins.installer import ensure_installed
from meltano.core.plugins.invocation import prepare
from meltano.core.plugins.types import PluginType
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project


@click.command("test", help=TEST_HELP)
@click.argument("plugin")
@install_switch
@pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
def command(project: Project, plugin: str, *, install_mode: str | None) -> None:
    if plugin == "meltano":
        raise MeltanoError(
            "Testing of the Meltano project configuration is not supported",
            "Test an extractor or a loader instead",
        )
    found = finder.find(project, plugin, command="config")
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
