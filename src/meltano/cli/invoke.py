"""`meltano invoke PLUGIN[:COMMAND] [ARGS...]`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click
import structlog

from meltano.cli.install_switch import containers_switch, install_switch
from meltano.cli.options import pass_project
from meltano.core.catalog.prepare import prepare_tap
from meltano.core.errors import MeltanoError
from meltano.core.plugins import finder
from meltano.core.plugins.container_spec import runs_in_container
from meltano.core.plugins.installer import ensure_installed
from meltano.core.plugins.invocation import (
    config_text,
    describe_commands,
    holds_secrets,
    prepare,
    preview_env,
)
from meltano.core.plugins.types import PluginType
from meltano.core.processes.pipes import run_command
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project


@click.command(
    "invoke",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option("--plugin-type", help="Type of the plugin, when several share the name.")
@click.option(
    "--dump",
    type=click.Choice(["catalog", "config"]),
    help="Print the generated catalog or config file instead of running.",
)
@click.option("--list-commands", is_flag=True, help="List the plugin's commands.")
@click.option(
    "--print-var",
    multiple=True,
    metavar="NAME",
    help="Print a variable of the plugin's environment first (repeatable).",
)
@click.option("--refresh-catalog", is_flag=True, help="Ignore the cached catalog.")
@install_switch
@containers_switch
@click.argument("plugin_name", metavar="PLUGIN[:COMMAND]")
@click.argument("plugin_args", nargs=-1, type=click.UNPROCESSED)
@pass_project(environment_policy=Policy.USE_DEFAULT, database=True)
def command(
    project: Project,
    plugin_name: str,
    plugin_args: tuple[str, ...],
    *,
    plugin_type: str | None,
    dump: str | None,
    list_commands: bool,
    print_var: tuple[str, ...],
    refresh_catalog: bool,
    install_mode: str | None,
    containers: bool,
) -> None:
    """Run a plugin with its configuration; arguments after the name go to the plugin."""

    name, _, command_name = plugin_name.partition(":")
    wanted_type = PluginType.parse(plugin_type) if plugin_type else None
    plugin = finder.find(project, name, command="invoke", plugin_type=wanted_type)
    if list_commands:
        rows = describe_commands(plugin)
        if not rows:
            click.echo(f"Plugin '{plugin.name}' does not define any commands.")
        width = max((len(label) for label, _ in rows), default=0) + 2
        for label, description in rows:
            click.echo(f"{label:<{width}}{description}".rstrip())
        return
    if print_var:  # before installing: the variables do not depend on the venv's contents
        env = preview_env(project, plugin)
        for variable in print_var:
            click.echo(f"{variable}={env.get(variable)}")
    chosen = command_name or None
    in_venv = not runs_in_container(plugin, chosen, containers=containers)
    if not ensure_installed(project, [plugin] if in_venv else [], mode=install_mode):
        return
    with prepare(project, plugin, command=chosen, args=plugin_args, containers=containers) as (
        invocation
    ):
        catalog = None
        if (
            plugin.type is PluginType.EXTRACTORS
            and not command_name
            and not plugin_args
            and dump != "config"
        ):
            catalog = prepare_tap(
                project,
                invocation,
                state_path=None,
                refresh=refresh_catalog,
                keep_catalog=dump == "catalog",
            )
        if dump == "catalog":
            if catalog is None or catalog.output is None:
                raise MeltanoError(
                    f"Extractor '{plugin.name}' has no catalog to dump",
                    "It needs the discover capability or a `catalog` file",
                )
            _print_file(catalog.output)
            return
        if dump == "config":
            if holds_secrets(invocation.settings):
                structlog.get_logger("meltano").warning(
                    "the printed configuration holds secret values in plain text, as the "
                    "plugin receives it: do not share, log or commit it",
                    plugin=plugin.name,
                )
            click.echo(config_text(invocation.settings))
            return
        code = asyncio.run(run_command(invocation.command()))
    sys.exit(code)


def _print_file(path: Path) -> None:
    """The file on stdout, then a newline, without holding it in memory."""
    sys.stdout.flush()
    stdout = sys.stdout.buffer
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            stdout.write(chunk)
    stdout.write(b"\n")
    stdout.flush()
