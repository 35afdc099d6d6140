"""`meltano plugin list`."""

from __future__ import annotations

import click

from meltano.cli.options import pass_project
from meltano.cli.render import as_json
from meltano.core.plugins.project_plugin import project_plugins
from meltano.core.plugins.types import PluginType
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project


@click.group("plugin")
def command() -> None:
    """Inspect the plugins of the project."""


@command.command("list")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@pass_project(environment_policy=Policy.USE_DEFAULT)
def list_plugins(project: Project, *, output_format: str) -> None:
    """List the project's plugins, by type."""

    order = list(PluginType)

    rows = [
        {
            "type": plugin.type.singular,
            "name": plugin.name,
            "variant": plugin.variant_label,
            "inherit_from": plugin.inherit_from,
            "custom": plugin.is_custom,
            "update": False,
            "pip_url": plugin.pip_url,
        }
        for plugin in sorted(project_plugins(project), key=lambda p: order.index(p.type))
    ]
    if output_format == "json":
        click.echo(as_json(rows))
        return
    if not rows:
        click.echo("No plugins are defined in this project.\nAdd one with 'meltano add'.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None)
    for column in ("TYPE", "NAME", "VARIANT", "INHERIT FROM", "CUSTOM"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["type"]),
            str(row["name"]),
            "(inherited)" if row["inherit_from"] else str(row["variant"]),
            str(row["inherit_from"] or ""),
            "✓" if row["custom"] else "",
        )
    Console().print(table)
