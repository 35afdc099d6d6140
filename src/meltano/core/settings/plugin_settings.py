"""A plugin's settings: load each store, resolve, expand `$VAR`s, cast."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.project.files import Named, ProjectFiles
from meltano.core.settings import loaders, process_env, systemdb
from meltano.core.settings.cast import SettingValueError, post_process
from meltano.core.settings.config_file import config_document
from meltano.core.settings.definitions import SettingDefinition
from meltano.core.settings.names import canonical, split_name
from meltano.core.settings.project_settings import get_setting, project_env
from meltano.core.settings.resolve import (
    Found,
    Resolved,
    Source,
    assemble_objects,
    resolve,
)
from meltano.core.settings.values import finish

log = structlog.get_logger(__name__)

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project


@dataclass(frozen=True)
class PluginSettings:
    """Every setting of one plugin (declared, custom and extras), resolved."""

    plugin: ProjectPlugin
    definitions: tuple[SettingDefinition, ...]
    values: Mapping[str, Resolved]

    def value(self, name: str) -> Any:
        return self.values[name].value

    def config(self) -> dict[str, Any]:
        """What the plugin's config file gets: non-extras, unset ones dropped, dotted names
        nested; an explicit nested `null` is kept."""
        return config_document(self.definitions, self.values, transform=post_process)

    def extras(self) -> dict[str, Any]:
        """Extras by their underscore names, nulls kept."""
        return {d.name: self.values[d.name].value for d in self.definitions if d.is_extra}

    def env(self, *, extras: bool | None = None) -> dict[str, str]:
        """Values as env vars for the plugin's process; `extras` True/False filters them."""
        chosen = tuple(d for d in self.definitions if extras is None or d.is_extra == extras)
        values = {name: item.value for name, item in self.values.items()}
        return process_env.settings_env(self.plugin, chosen, values)


def all_definitions(
    plugin: ProjectPlugin, configs: Sequence[Mapping[str, Any]], db_names: Sequence[str]
) -> tuple[SettingDefinition, ...]:
    """The plugin's definitions plus implicit ones for undeclared config keys and DB rows."""
    return (*plugin.settings, *loaders.custom_definitions(plugin.settings, configs, db_names))


def plugin_settings(
    project: Project,
    plugin: ProjectPlugin,
    *,
    use_db: bool = True,
    overrides: Mapping[str, Any] | None = None,
    upstream_env: Mapping[str, str] | None = None,
) -> PluginSettings:
    """Resolve every setting of `plugin` from all stores, expand `$VAR`s, cast by kind.

    `overrides` are command-line values (`_select_filter` from `el --select`, ...);
    `upstream_env` is what earlier blocks of a pipeline export (their identity and settings
    variables), so a loader value may say `$MELTANO_EXTRACT__LOAD_SCHEMA`.
    """

    env_entry = process_env.environment_plugin_entry(project, plugin)
    db_values = systemdb.read_values(project, systemdb.namespace(plugin)) if use_db else {}
    own_configs = [plugin.config] if plugin.mapper else [a.config for a in plugin.lineage()]
    configs = [*own_configs, env_entry.get("config") or {}]
    definitions = all_definitions(plugin, configs, list(db_values))
    yml_env = process_env.yml_env(project, plugin)
    names_of = functools.partial(loaders.read_names, plugin)
    layers: dict[Source, dict[str, Any]] = {
        Source.OVERRIDE: dict(overrides or {}),
        Source.ENV: loaders.env_layer(
            {**project.environ, **yml_env}, definitions, names_of, label=loaders.ENV_LABEL
        ),
        Source.DOTENV: loaders.env_layer(
            project.dotenv, definitions, names_of, label=loaders.DOTENV_LABEL
        ),
        Source.ENVIRONMENT: loaders.yml_layer(
            loaders.plugin_entry_values(env_entry, definitions), definitions
        ),
        Source.MELTANO_YML: loaders.yml_layer(
            loaders.plugin_entry_values(plugin.entry, definitions), definitions
        ),
        Source.SYSTEM_DB: db_values,
    }
    if plugin.parent is not None:
        parent = plugin_settings(project, plugin.parent, use_db=use_db)
        layers[Source.INHERITED] = {
            name: Found(item.value, plugin.parent.name, null=item.null)
            for name, item in parent.values.items()
            if item.source is not Source.DEFAULT and (name.startswith("_") or not plugin.mapper)
        }  # a mapping takes its mapper's extras, not its config
    resolved = assemble_objects(definitions, layers, resolve(definitions, layers))
    env = {
        **process_env.terminal_env(project),
        **(upstream_env or {}),
        **project_env(project),
        **process_env.identity_env(plugin),
        **yml_env,
    }
    strict = bool(get_setting(project, "ff.strict_env_var_mode"))
    plain = tuple(d for d in definitions if not d.is_extra)
    missing: list[str] = []
    extras = tuple(d for d in definitions if d.is_extra)
    try:
        values = finish(plain, resolved, env, strict=strict, missing=missing)
        settings_env = process_env.settings_env(
            plugin, plain, {name: item.value for name, item in values.items()}
        )
        values.update(
            finish(extras, resolved, {**env, **settings_env}, strict=strict, missing=missing)
        )
    except SettingValueError as error:
        raise _located(project, plugin, error, resolved[error.definition.name]) from None
    for name in dict.fromkeys(missing):
        log.debug("variable referenced but not set, using empty text", variable=name)
    return PluginSettings(plugin, definitions, values)


def _located(
    project: Project, plugin: ProjectPlugin, error: SettingValueError, item: Resolved
) -> SettingValueError:
    """Name the plugin, and where the bad value was set: `meltano.yml:line:col` when typed
    into a project file, else the store (a variable, the system database...)."""
    position = None
    if item.source in (Source.MELTANO_YML, Source.ENVIRONMENT):
        files = ProjectFiles.load(project.root)  # read again, with positions: an error path
        definition = error.definition
        entry: tuple[str | Named, ...] = ()
        section, name = plugin.type.value, plugin.name
        if item.source is Source.ENVIRONMENT and project.environment:
            section, name = "environments", project.environment
            entry = ("config", "plugins", plugin.type.value, Named(plugin.name))
        for spelling in (definition.name, *definition.aliases):
            parts = split_name(canonical(spelling))
            keys = [parts[0][1:], *parts[1:]] if definition.is_extra else ["config", *parts]
            for grouped in _groupings(keys):
                position = files.value_position(section, name, [*entry, *grouped])
                if position:
                    break
            if position:
                break
    return error.located(
        owner=f"{plugin.type.descriptor} '{plugin.name}'", position=position, origin=item.label()
    )


def _groupings(keys: list[str]) -> list[list[str]]:
    """`[config, a, b]` as the YAML may spell it: nested, or with a dotted key `a.b`."""
    head, *rest = keys
    if not rest:
        return [[head]]
    return [[head, *tail] for tail in _dotted(rest)]


def _dotted(parts: list[str]) -> list[list[str]]:
    result = []
    for size in range(len(parts), 0, -1):
        first = ".".join(parts[:size])
        result += [[first, *tail] for tail in (_dotted(parts[size:]) if parts[size:] else [[]])]
    return result
