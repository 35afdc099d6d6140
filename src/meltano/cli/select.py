"""`meltano select EXTRACTOR [STREAMS] [PROPERTIES]`."""

from __future__ import annotations

import click

from meltano.cli.install_switch import install_switch
from meltano.cli.options import pass_project
from meltano.core.catalog.discovery import CannotListSelectionError
from meltano.core.catalog.listing import render_json, render_text
from meltano.core.catalog.patterns import pattern_text
from meltano.core.catalog.prepare import tap_catalog
from meltano.core.catalog.run_catalog import Wanted
from meltano.core.catalog.select_edit import edit_select, warn_if_unmatched
from meltano.core.errors import MeltanoError
from meltano.core.plugins import finder
from meltano.core.plugins.installer import ensure_installed
from meltano.core.plugins.invocation import prepare
from meltano.core.plugins.project_plugin import ProjectPlugin
from meltano.core.plugins.types import PluginType
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project


@click.command("select")
@click.argument("extractor")
@click.argument("entities_filter", default="*", metavar="[STREAMS_PATTERN]")
@click.argument("attributes_filter", default="*", metavar="[PROPERTIES_PATTERN]")
@click.option("--list", "list_selection", is_flag=True, help="Show what is selected.")
@click.option("--json", "as_json", is_flag=True, help="Show what is selected, as JSON.")
@click.option("--all", "show_all", is_flag=True, help="With --list/--json: excluded rows too.")
@click.option("--exclude", is_flag=True, help="Add the pattern as an exclusion (!pattern).")
@click.option("--rm", "--remove", "remove", is_flag=True, help="Remove the pattern.")
@click.option("--clear", is_flag=True, help="Remove all patterns of the extractor.")
@click.option("--refresh-catalog", is_flag=True, help="With --list/--json: rerun discovery.")
@install_switch
@pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
def command(
    project: Project,
    extractor: str,
    entities_filter: str,
    attributes_filter: str,
    *,
    list_selection: bool,
    as_json: bool,
    show_all: bool,
    exclude: bool,
    remove: bool,
    clear: bool,
    refresh_catalog: bool,
    install_mode: str | None,
) -> None:
    """Choose which streams and properties an extractor extracts."""

    plugin = finder.find(project, extractor, command="select", plugin_type=PluginType.EXTRACTORS)
    if list_selection or as_json:
        _show(
            project,
            plugin,
            as_json=as_json,
            show_all=show_all,
            refresh=refresh_catalog,
            install_mode=install_mode,
        )
        return

    pattern = pattern_text(entities_filter, attributes_filter, exclude=exclude)
    edit_select(
        project,
        plugin.name,
        pattern=None if clear else pattern,
        remove=remove,
        clear=clear,
        environment=project.environment,
    )
    if not (clear or remove):
        warn_if_unmatched(project, plugin.name, pattern)


def _show(
    project: Project,
    plugin: ProjectPlugin,
    *,
    as_json: bool,
    show_all: bool,
    refresh: bool,
    install_mode: str | None,
) -> None:
    if not ensure_installed(project, [plugin], mode=install_mode):
        return
    with prepare(project, plugin) as invocation:
        try:
            catalog = tap_catalog(
                project, invocation, refresh=refresh, wanted=Wanted(rows=True, show_all=show_all)
            )
        except MeltanoError as error:
            raise CannotListSelectionError(error) from error
        patterns = [str(p) for p in invocation.settings.extras().get("_select") or []]
    if catalog is None:
        raise CannotListSelectionError(
            MeltanoError(
                f"extractor '{plugin.name}' has no catalog (it lacks the discover capability and "
                "no `catalog` file is set)",
                "Add `discover` to its capabilities or set `catalog`",
            )
        )
    rows = catalog.rows
    click.echo(render_json(patterns, rows) if as_json else render_text(patterns, rows), nl=False)
