"""`meltano config set|unset|reset`: change settings of a plugin or of Meltano."""

from __future__ import annotations

from pathlib import Path

import click

from meltano.cli.config import (
    RESET_HELP,
    SET_HELP,
    UNSET_HELP,
    _finder,
    _plugin_type,
    _unsafe,
    plugin_type_option,
    store_option,
)
from meltano.cli.options import pass_project
from meltano.core.errors import MeltanoError
from meltano.core.plugins.types import PluginType
from meltano.core.project.environments import Policy
from meltano.core.project.project import Project
from meltano.core.settings.edits import Change
from meltano.core.settings.edits import reset_settings as reset_values
from meltano.core.settings.edits import set_setting as set_value
from meltano.core.settings.edits import unset_setting as unset_value
from meltano.core.settings.resolve import Source
from meltano.core.settings.stores import Store
from meltano.core.settings.subject import load_subject, shown


@click.command("set", help=SET_HELP)
@click.argument("plugin")
@click.argument("setting", nargs=-1)
@store_option
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the value from this file (stripped).",
)
@click.option("--interactive", is_flag=True, help="Walk through the settings interactively.")
@plugin_type_option
@pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
def set_setting(
    project: Project,
    plugin: str,
    setting: tuple[str, ...],
    *,
    store: str,
    from_file: Path | None,
    interactive: bool,
    plugin_type: str | None,
) -> None:
    if interactive or not setting:
        _interactive(project, plugin, store=Store(store), plugin_type=_plugin_type(plugin_type))
        return
    if from_file is not None:
        parts, value = setting, from_file.read_text(encoding="utf-8").strip()
    elif len(setting) < 2:
        raise click.UsageError("Missing VALUE: pass NAME... VALUE, or --from-file FILE")
    else:
        parts, value = setting[:-1], setting[-1]
    change = set_value(
        project,
        plugin,
        parts,
        value,
        find=_finder(project),
        store=Store(store),
        plugin_type=_plugin_type(plugin_type),
    )
    _report_set(project, change)


def _report_set(project: Project, change: Change) -> None:
    definition = change.definition
    if not change.stores:
        click.echo(
            f"{change.subject.descriptor} setting '{definition.name}' was not changed: "
            "the value is the redaction marker"
        )
        return
    label = change.stores[0].label(project, change.subject.plugin)
    click.echo(
        f"{change.subject.descriptor} setting '{definition.name}' was set in {label}: "
        f"{shown(definition, change.value, unsafe=_unsafe())}"
    )
    current = change.current
    if current is not None and _overridden(project, change):
        click.echo(
            f"Current value is still: {shown(definition, current.value, unsafe=_unsafe())} "
            f"({current.label()})"
        )


def _interactive(
    project: Project, plugin: str, *, store: Store, plugin_type: PluginType | None
) -> None:
    """Prompt for settings one by one: pick a number, `all`, or `e` to exit."""

    while True:
        subject = load_subject(project, plugin, find=_finder(project), plugin_type=plugin_type)
        chosen = [d for d in subject.definitions if not d.is_extra]
        click.echo(f"{subject.descriptor} settings:")
        for number, definition in enumerate(chosen, start=1):
            value = shown(definition, subject.values[definition.name].value, unsafe=_unsafe())
            click.echo(f"  {number}. {definition.name} (current value: {value})")
        answer = (
            click.prompt(
                f"Loop through all settings (all), select a setting by number (1 - {len(chosen)}), "
                "or exit (e)?",
                default="all",
            )
            .strip()
            .lower()
        )
        if answer in ("e", "exit", "q"):
            return
        if answer == "all":
            picked = chosen
        elif answer.isdigit() and 1 <= int(answer) <= len(chosen):
            picked = [chosen[int(answer) - 1]]
        else:
            click.echo(f"'{answer}' is not a choice")
            continue
        for definition in picked:
            if definition.description:
                click.echo(definition.description)
            if definition.options:
                values = [str(o.get("value")) for o in definition.options]
                click.echo(f"Choices: {', '.join(values)}")
            value = click.prompt(
                f"New value for {definition.name} (empty to skip)",
                default="",
                show_default=False,
                hide_input=definition.sensitive,
                confirmation_prompt=definition.sensitive,
            )
            if value == "":
                continue
            parts = (definition.name,)
            try:
                change = set_value(
                    project,
                    plugin,
                    parts,
                    value,
                    find=_finder(project),
                    store=store,
                    plugin_type=plugin_type,
                )
            except MeltanoError as error:
                click.secho(f"{error.reason}.", err=True, fg="red")
                continue
            _report_set(project, change)
        if answer == "all":
            return


def _overridden(project: Project, change: Change) -> bool:
    """Does a store of higher precedence than the one just written still win?"""

    in_environment = project.environment is not None and change.subject.plugin is not None
    written = {
        Store.DOTENV: Source.DOTENV,
        Store.MELTANO_YML: Source.ENVIRONMENT if in_environment else Source.MELTANO_YML,
        Store.DB: Source.SYSTEM_DB,
    }[change.stores[0]]
    return change.current is not None and change.current.source < written


@click.command("unset", help=UNSET_HELP)
@click.argument("plugin")
@click.argument("setting", nargs=-1, required=True)
@store_option
@plugin_type_option
@pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
def unset_setting(
    project: Project, plugin: str, setting: tuple[str, ...], *, store: str, plugin_type: str | None
) -> None:
    change = unset_value(
        project,
        plugin,
        setting,
        find=_finder(project),
        store=Store(store),
        plugin_type=_plugin_type(plugin_type),
    )
    definition = change.definition
    assert definition is not None  # unset always names one setting
    prefix = f"{change.subject.descriptor} setting '{definition.name}'"
    if change.stores:
        labels = _join([s.label(project, change.subject.plugin) for s in change.stores])
        click.echo(f"{prefix} in {labels} was unset")
    else:
        click.echo(f"{prefix} had no value in the store(s) that could be changed")
    current = change.current
    if current is not None and current.value is not None:
        click.echo(
            f"Current value is now: {shown(definition, current.value, unsafe=_unsafe())} "
            f"({current.label()})"
        )


@click.command("reset", help=RESET_HELP)
@click.argument("plugin")
@store_option
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@plugin_type_option
@pass_project(environment_policy=Policy.IGNORE_DEFAULT, database=True)
def reset_settings(
    project: Project, plugin: str, *, store: str, assume_yes: bool, plugin_type: str | None
) -> None:
    if not assume_yes:
        click.confirm("Do you want to continue?", abort=True)
    reset = reset_values(
        project,
        plugin,
        find=_finder(project),
        store=Store(store),
        plugin_type=_plugin_type(plugin_type),
    )
    labels = _join([s.label(project, reset.subject.plugin) for s in reset.stores])
    click.echo(f"{reset.subject.descriptor} settings in {labels} were reset")


def _join(labels: list[str]) -> str:
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + f", and {labels[-1]}"
