"""A plugin's settings: read each store into a mapping, resolve, expand, cast."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.settings import process_env
from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.names import flatten, leaves, nest, to_env_var
from meltano.core.settings.project_settings import get_setting, project_env
from meltano.core.settings.resolve import (
    Found,
    Resolved,
    Source,
    assemble_objects,
    pick_spelling,
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
        """What the plugin's config file gets: non-extras, nulls dropped, dotted names nested."""
        return nest(
            {
                d.name: self.values[d.name].value
                for d in self.definitions
                if not d.is_extra and self.values[d.name].value is not None
            }
        )

    def extras(self) -> dict[str, Any]:
        """Extras by their underscore names, nulls kept."""
        return {d.name: self.values[d.name].value for d in self.definitions if d.is_extra}

    def env(self, *, extras: bool | None = None) -> dict[str, str]:
        """Values as env vars for the plugin's process; `extras` True/False filters them."""
        chosen = tuple(d for d in self.definitions if extras is None or d.is_extra == extras)
        values = {name: item.value for name, item in self.values.items()}
        return process_env.settings_env(self.plugin, chosen, values)


def read_names(plugin: ProjectPlugin, definition: SettingDefinition) -> list[str]:
    """Env vars a setting is read from: `<NAME>_<S>`, `<NAMESPACE>_<S>`, aliases, env_aliases."""
    names = [
        to_env_var(prefix, name)
        for name in (definition.name, *definition.aliases)
        for prefix in plugin.env_prefixes
    ]
    names += [a.lstrip("!") for a in definition.env_aliases]
    return list(dict.fromkeys(names))


def _kept(definitions: Sequence[SettingDefinition]) -> list[str]:
    return [d.name for d in definitions if d.kind in (Kind.OBJECT, Kind.ARRAY)]


def yml_values(
    entry: Mapping[str, Any], definitions: Sequence[SettingDefinition]
) -> dict[str, Any]:
    """A meltano.yml entry's `config` (every path) and extras, keyed by dotted name."""
    config = entry.get("config") or {}
    values = flatten(config, keep=_kept(definitions)) if isinstance(config, Mapping) else {}
    extra_names = {d.name for d in definitions if d.is_extra}
    values.update({f"_{k}": v for k, v in entry.items() if f"_{k}" in extra_names})
    return values


def all_definitions(
    plugin: ProjectPlugin, configs: Sequence[Mapping[str, Any]], db_names: Sequence[str]
) -> tuple[SettingDefinition, ...]:
    """The plugin's definitions plus implicit ones for undeclared config keys and DB rows."""
    declared = [n for d in plugin.settings for n in (d.name, *d.aliases)]
    custom: dict[str, SettingDefinition] = {}
    candidates = [
        item for config in configs for item in leaves(config, keep=_kept(plugin.settings)).items()
    ]
    candidates += [(name, None) for name in db_names]
    for name, value in candidates:
        covered = any(name == n or name.startswith(f"{n}.") for n in declared)
        if not covered and name not in custom:
            custom[name] = SettingDefinition.custom_for(name, value)
    return (*plugin.settings, *custom.values())


def plugin_settings(
    project: Project,
    plugin: ProjectPlugin,
    *,
    use_db: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> PluginSettings:
    """Resolve every setting of `plugin` from all stores, expand `$VAR`s, cast by kind."""
    from meltano.core.settings import systemdb

    env_entry = process_env.environment_plugin_entry(project, plugin)
    db_values = systemdb.read_values(project, systemdb.namespace(plugin)) if use_db else {}
    configs = [a.config for a in plugin.lineage()] + [env_entry.get("config") or {}]
    definitions = all_definitions(plugin, configs, list(db_values))
    yml_env = process_env.yml_env(project, plugin)
    stores: dict[Source, Mapping[str, Any]] = {
        Source.ENV: {**project.environ, **yml_env},
        Source.DOTENV: project.dotenv,
    }
    layers: dict[Source, dict[str, Any]] = {Source.OVERRIDE: dict(overrides or {})}
    for source, store in stores.items():
        label = "the environment" if source is Source.ENV else "`.env`"
        layers[source] = {}
        for d in definitions:
            found = pick_spelling(
                store, read_names(plugin, d), store_label=label, secret=d.sensitive
            )
            if found is not None:
                layers[source][d.name] = _negated(d, found)
    for source, entry in ((Source.ENVIRONMENT, env_entry), (Source.MELTANO_YML, plugin.entry)):
        flat = yml_values(entry, definitions)
        label = "`meltano.yml`"
        layers[source] = {k: v for k, v in flat.items() if _is_child(k, definitions)}
        for d in definitions:
            found = pick_spelling(flat, [d.name, *d.aliases], store_label=label, secret=d.sensitive)
            if found is not None:
                layers[source][d.name] = found.value
    layers[Source.SYSTEM_DB] = db_values
    if plugin.parent is not None:
        parent = plugin_settings(project, plugin.parent, use_db=use_db)
        layers[Source.INHERITED] = {
            name: Found(item.value, plugin.parent.name)
            for name, item in parent.values.items()
            if item.source is not Source.DEFAULT
        }
    resolved = assemble_objects(definitions, layers, resolve(definitions, layers))
    env = {
        **process_env.terminal_env(project),
        **project_env(project),
        **process_env.identity_env(plugin),
        **yml_env,
    }
    strict = bool(get_setting(project, "ff.strict_env_var_mode"))
    plain = tuple(d for d in definitions if not d.is_extra)
    missing: list[str] = []
    values = finish(plain, resolved, env, strict=strict, missing=missing)
    extras = tuple(d for d in definitions if d.is_extra)
    settings_env = process_env.settings_env(
        plugin, plain, {name: item.value for name, item in values.items()}
    )
    values.update(finish(extras, resolved, {**env, **settings_env}, strict=strict, missing=missing))
    for name in dict.fromkeys(missing):
        log.debug("variable referenced but not set, using empty text", variable=name)
    return PluginSettings(plugin, definitions, values)


def _is_child(name: str, definitions: Sequence[SettingDefinition]) -> bool:
    """`obj.a` under an object setting `obj`: kept so `assemble_objects` can find it."""
    return any(d.kind is Kind.OBJECT and name.startswith(f"{d.name}.") for d in definitions)


def _negated(definition: SettingDefinition, found: Found) -> Found:
    """An `env_aliases` entry `!NAME` holds the opposite boolean of the setting."""
    if f"!{found.where}" not in definition.env_aliases:
        return found
    from meltano.core.settings.cast import TRUE_WORDS

    return Found(str(found.value).strip().lower() not in TRUE_WORDS, found.where)
