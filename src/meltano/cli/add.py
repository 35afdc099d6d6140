"""`meltano add PLUGIN...`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from meltano.cli.options import pass_project
from meltano.core.errors import MeltanoError
from meltano.core.plugins import adding
from meltano.core.plugins.bundles import add_bundle_files
from meltano.core.plugins.entries import custom_entry, parse_custom_settings
from meltano.core.plugins.project_plugin import find_plugin
from meltano.core.plugins.types import PluginType
from meltano.core.project.project import Project


def _prompt_custom(plugin_type: PluginType, name: str, python: str | None) -> dict[str, object]:
    click.echo(f"Adding a custom {plugin_type.singular} '{name}'. Press Enter to keep a default.")
    namespace = click.prompt(
        "Namespace (prefix of its environment variables)", default=name.replace("-", "_")
    )
    click.echo(
        "pip_url: a package name, a git+https URL, a local path (-e path for editable), "
        "or 'n' for a local executable that needs no install."
    )
    pip_url: str | None = click.prompt("pip_url", default=name)
    if pip_url in ("n", "N", ""):
        pip_url = None
    default_executable = Path(pip_url.split()[-1]).stem if pip_url else name
    executable = click.prompt("Executable", default=default_executable)
    capabilities: list[str] = []
    if plugin_type is PluginType.EXTRACTORS:
        click.echo("Capabilities, comma separated (e.g. catalog,discover,state).")
        text = click.prompt("Capabilities", default="", show_default=False)
        capabilities = [c.strip() for c in text.split(",") if c.strip()]
    settings: list[dict[str, Any]] = []
    if plugin_type in (PluginType.EXTRACTORS, PluginType.LOADERS, PluginType.TRANSFORMERS):
        click.echo(
            "Settings, comma separated, each `name` or `name:kind` (kinds: string, "
            "integer, boolean, password, ...; dots nest: auth.username)."
        )
        while True:
            text = click.prompt("Settings", default="", show_default=False)
            try:
                settings = parse_custom_settings(text)
                break
            except MeltanoError as error:
                click.secho(f"{error.reason}. {error.instruction}.", fg="red", err=True)
    return custom_entry(
        name,
        namespace=namespace,
        pip_url=pip_url,
        executable=executable,
        capabilities=capabilities,
        settings=settings,
        python=python,
    )


def _describe(result: adding.AddResult) -> None:
    kind = result.plugin_type.singular
    verb = "Updated" if result.updated else "Added"
    where = "in" if result.updated else "to"
    click.echo(f"{verb} {kind} '{result.name}' {where} your project")
    definition = result.definition
    if result.entry.get("inherit_from"):
        variant = f", variant {result.entry['variant']}" if result.entry.get("variant") else ""
        click.echo(f"Inherit from:\t{result.entry['inherit_from']}{variant}")
    elif definition is not None and definition.variant and not result.entry.get("namespace"):
        suffix = " (default)" if definition.is_default_variant else ""
        click.echo(f"Variant:\t{definition.variant}{suffix}")
    if definition is not None and definition.repo:
        click.echo(f"Repository:\t{definition.repo}")
    if definition is not None and definition.docs:
        click.echo(f"Documentation:\t{definition.docs}")
    if result.entry.get("python"):
        click.echo(f"Python Version:\t{result.entry['python']}")


@click.command("add")
@click.argument("plugin_names", nargs=-1, required=True, metavar="PLUGIN...")
@click.option(
    "--plugin-type",
    help="Type of the plugins (default: tap-* extractor, target-* loader, otherwise utility).",
)
@click.option("--variant", help="Hub variant (default: the Hub's default).")
@click.option("--inherit-from", metavar="NAME", help="Add a plugin that inherits from NAME.")
@click.option("--as", "as_name", metavar="NEW", help="Add PLUGIN under the name NEW (inheriting).")
@click.option("--custom", is_flag=True, help="Describe a plugin that is not on the Hub.")
@click.option("--from-ref", metavar="REF", help="Read the definition from a YAML file or URL.")
@click.option("--python", help="Interpreter for the plugin's venv (path, name or version).")
@click.option("--install/--no-install", default=True, help="Install after adding (default).")
@click.option(
    "--force-install",
    is_flag=True,
    help="Ignore Requires-Python while installing (virtualenv backend only).",
)
@pass_project(database=True)
def command(
    project: Project,
    plugin_names: tuple[str, ...],
    *,
    plugin_type: str | None,
    variant: str | None,
    inherit_from: str | None,
    as_name: str | None,
    custom: bool,
    from_ref: str | None,
    python: str | None,
    install: bool,
    force_install: bool,
) -> None:
    """Add plugins to the project, from Meltano Hub or as custom definitions."""
    request = adding.AddRequest(
        names=plugin_names,
        plugin_type=PluginType.parse(plugin_type) if plugin_type else None,
        variant=variant,
        inherit_from=inherit_from,
        as_name=as_name,
        custom=custom,
        from_ref=from_ref,
        python=python,
    )
    results = adding.add_plugins(project, request, describe_custom=_prompt_custom)
    added = []
    for result in results:
        if result.variant_advice:
            click.echo(result.variant_advice)
            continue
        for required in result.required:
            click.echo(
                f"Added required {required.plugin_type.singular} '{required.name}' to your project"
            )
            added.append(required)
        _describe(result)
        added.append(result)
    if install and added:
        adding.install_added(project, added, force=force_install)
        _add_bundle_files(project, added)
    for result in added:
        definition = result.definition
        link = (definition.docs or definition.repo) if definition is not None else None
        if link:
            click.echo(
                f"To learn more about {result.plugin_type.singular} '{result.name}', visit {link}"
            )


def _add_bundle_files(project: Project, added: list[adding.AddResult]) -> None:
    """Installed file bundles copy their files into the project (plugins.md §9)."""

    for result in added:
        if result.plugin_type is PluginType.FILES:
            click.echo(f"Adding '{result.name}' files to the project...")
            plugin = find_plugin(project, result.name, plugin_type=PluginType.FILES)
            add_bundle_files(project, plugin)
