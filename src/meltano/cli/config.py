"""`meltano config list|print|set|unset|reset`: read and change settings of a plugin or Meltano."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import click

from meltano.cli import render
from meltano.cli.options import pass_project
from meltano.cli.root import LazyGroup
from meltano.core.plugins import finder
from meltano.core.plugins.types import PluginType
from meltano.core.project.environments import Policy
from meltano.core.settings.listing import build_listing
from meltano.core.settings.subject import env_var_lines, load_subject

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project
    from meltano.core.settings.subject import PluginFinder

SET_HELP = "Set NAME... to VALUE (`auth.token VALUE` or `auth token VALUE`)."
UNSET_HELP = "Remove the value of NAME... from the store (auto: from every writable store)."
RESET_HELP = "Clear every value of PLUGIN in the store(s)."
TEST_HELP = "Check that an extractor or loader accepts its configuration."
STORES = ("auto", "dotenv", "meltano_yml", "db")
PLUGIN_TYPE_SPELLINGS = [spelling for t in PluginType for spelling in (t.singular, t.value)]


def _finder(project: Project) -> PluginFinder:
    """Find plugins as `meltano config` does (a definition missing from lock files: the Hub)."""

    def find(name: str, *, plugin_type: PluginType | None = None) -> ProjectPlugin:
        return finder.find(project, name, command="config", plugin_type=plugin_type)

    return find


def _unsafe() -> bool:
    return bool(click.get_current_context().meta.get("meltano.config.unsafe", False))


def _plugin_type(value: str | None) -> PluginType | None:
    if value is None:
        return None

    return PluginType.parse(value)


plugin_type_option = click.option(
    "--plugin-type",
    type=click.Choice(PLUGIN_TYPE_SPELLINGS, case_sensitive=False),
    help="Type of the plugin, when two plugins share a name.",
)
store_option = click.option(
    "--store",
    type=click.Choice(STORES, case_sensitive=False),
    default="auto",
    show_default=True,
    help="Where to write: `.env`, meltano.yml, the system database, or auto.",
)


class ConfigGroup(LazyGroup):
    """`config` and its subcommands."""

    # Each is imported only when it runs: listing settings loads neither the stores that
    # writes need nor the plugin processes `test` starts.
    lazy: ClassVar[Mapping[str, tuple[str, str]]] = {
        "set": ("meltano.cli.config_edit:set_setting", SET_HELP),
        "unset": ("meltano.cli.config_edit:unset_setting", UNSET_HELP),
        "reset": ("meltano.cli.config_edit:reset_settings", RESET_HELP),
        "test": ("meltano.cli.config_check:command", TEST_HELP),
    }


@click.group("config", cls=ConfigGroup)
@click.option("--safe/--unsafe", default=True, help="Show secret values with --unsafe.")
@click.pass_context
def command(ctx: click.Context, *, safe: bool) -> None:
    """Show and change settings of a plugin, or of Meltano itself (PLUGIN = meltano)."""
    ctx.meta["meltano.config.unsafe"] = not safe


@command.command("print")
@click.argument("plugin")
@click.option("--format", "output_format", type=click.Choice(["json", "env"]), default="json")
@click.option("--extras", is_flag=True, help="Print only extras (Meltano-handled settings).")
@click.option("--safe/--unsafe", default=None, help="Show secret values with --unsafe.")
@plugin_type_option
@pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
def print_config(
    project: Project,
    plugin: str,
    *,
    output_format: str,
    extras: bool,
    safe: bool | None,
    plugin_type: str | None,
) -> None:
    """Print the resolved configuration as JSON, or as the env vars the plugin receives."""

    unsafe = _unsafe() if safe is None else not safe
    subject = load_subject(
        project, plugin, find=_finder(project), plugin_type=_plugin_type(plugin_type)
    )
    if output_format == "env":
        lines = env_var_lines(subject.env(extras=extras, unsafe=unsafe))
        for line in lines:
            click.echo(line)
        if lines:
            click.echo()  # 4.4.1 ends a non-empty listing with a blank line
        return
    document = subject.extras(unsafe=unsafe) if extras else subject.config(unsafe=unsafe)
    click.echo(render.as_json(document))


@command.command("list")
@click.argument("plugin")
@click.option("--extras", is_flag=True, help="List only extras (Meltano-handled settings).")
@click.option("--all", "show_all", is_flag=True, help="Also list settings at their default.")
@click.option("--filter", "filter_text", metavar="TEXT", help="Only names containing TEXT.")
@plugin_type_option
@pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
def list_settings(
    project: Project,
    plugin: str,
    *,
    extras: bool,
    show_all: bool,
    filter_text: str | None,
    plugin_type: str | None,
) -> None:
    """List settings with their env var names, current values and where each came from."""

    subject = load_subject(
        project, plugin, find=_finder(project), plugin_type=_plugin_type(plugin_type)
    )
    listing = build_listing(
        subject, extras=extras, show_all=show_all, filter_text=filter_text, unsafe=_unsafe()
    )
    if listing.no_match:
        click.echo(listing.no_match)
        return
    for line in listing.header:
        click.echo(line)
    for index, (title, lines) in enumerate(listing.sections):
        if index:
            click.echo()
        if title:
            click.secho(title, bold=True)
        for line in lines:
            click.echo(line)
    if listing.hidden_count:
        click.echo()
        click.echo(
            f"Optional settings with default values: {listing.hidden_count} hidden. "
            "Use --all to show all."
        )
    if subject.docs_url:
        click.echo()
        click.echo(
            f"To learn more about {subject.docs_label} and its settings, visit {subject.docs_url}"
        )
