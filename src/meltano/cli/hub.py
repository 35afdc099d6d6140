"""`meltano hub ping|list`: check the Hub connection and browse its plugins."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import structlog

from meltano.cli import render
from meltano.cli.options import load_project
from meltano.cli.root import CliState
from meltano.core.plugins.hub import (
    HUB_TYPES,
    HubRow,
    hub_client_for,
    hub_client_from_environ,
    list_plugins,
)
from meltano.core.plugins.types import PluginType
from meltano.core.project.environments import Policy

if TYPE_CHECKING:
    from meltano.core.plugins.hub import HubClient


@click.group("hub")
def command() -> None:
    """Talk to Meltano Hub, the index of discoverable plugins."""


def _client(command_name: str) -> HubClient:
    """Configured from the project's settings, or from MELTANO_HUB_* outside a project."""

    state = click.get_current_context().find_object(CliState) or CliState(cwd=Path.cwd())
    if state.project_root() is None:
        return hub_client_from_environ(state.environ, command_name)
    project = load_project(state, "hub", environment_policy=Policy.USE_DEFAULT)
    return hub_client_for(project, command_name)


@command.command("ping")
def ping() -> None:
    """Check that the configured Hub answers."""
    client = _client("meltano hub ping")
    client.ping()
    click.echo(f"Successfully connected to the Hub at '{client.api_root}'")


@command.command("list")
@click.argument("pattern", required=False)
@click.option("--plugin-type", metavar="TYPE", help="Only this plugin type (e.g. extractor).")
@click.option("--all", "all_variants", is_flag=True, help="Show every variant, not only defaults.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--refresh", is_flag=True, help="Fetch the indexes again instead of using the one-hour cache."
)
def list_hub_plugins(
    pattern: str | None,
    *,
    plugin_type: str | None,
    all_variants: bool,
    output_format: str,
    refresh: bool,
) -> None:
    """List Hub plugins whose name or variant contains PATTERN (case-insensitive)."""

    types = HUB_TYPES if plugin_type is None else _hub_types(plugin_type)
    client = _client("meltano hub list")
    rows, hidden = list_plugins(
        client, types, pattern=pattern, all_variants=all_variants, refresh=refresh
    )
    log = structlog.get_logger("meltano")
    report = log.info if rows else log.warning
    fields = {"count": len(rows), "pattern": pattern, "plugin_type": plugin_type}
    if hidden:
        fields.update(hidden_variants=hidden, hint="show them with --all")
    report("hub plugins listed", **{k: v for k, v in fields.items() if v is not None})
    if output_format == "json":
        click.echo(
            render.as_json(
                [
                    {
                        "type": _type_label(r.plugin_type),
                        "name": r.name,
                        "variant": r.variant,
                        "default": r.default,
                    }
                    for r in rows
                ]
            )
        )
        return
    if rows:
        _print_table(rows, mark_default=all_variants)


def _hub_types(text: str) -> tuple[str, ...]:
    """The Hub types for `--plugin-type`; `mapping(s)` is valid but never on the Hub."""

    if text.strip().lower() in ("mapping", "mappings"):
        return ()
    return (PluginType.parse(text).value,)


def _type_label(plugin_type: str) -> str:
    return PluginType(plugin_type).descriptor.lower()


def _print_table(rows: list[HubRow], *, mark_default: bool) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE)
    for column in ("TYPE", "NAME", "VARIANT"):
        table.add_column(column)
    previous: tuple[str, str] = ("", "")
    for row in rows:
        label = _type_label(row.plugin_type)
        variant = row.variant
        if mark_default and row.default and row.variant_count > 1:
            variant += " (default)"
        table.add_row(
            "" if label == previous[0] and row.name == previous[1] else label,
            "" if row.name == previous[1] and label == previous[0] else row.name,
            variant,
        )
        previous = (label, row.name)
    Console(soft_wrap=True).print(table)
