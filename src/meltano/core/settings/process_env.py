"""Environment variables around plugins: `env:` blocks, identity vars, the full process env."""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.expand import expand_text
from meltano.core.settings.names import leaves, to_env_var
from meltano.core.settings.project_settings import definitions as meltano_definitions
from meltano.core.settings.project_settings import project_env

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project
    from meltano.core.settings.resolve import Resolved


def terminal_env(project: Project) -> dict[str, str]:
    """`.env` overridden by the process environment (a shell export beats `.env`)."""
    return {**project.dotenv, **project.environ}


def active_environment(project: Project) -> Mapping[str, Any]:
    """The active `environments:` entry, or an empty mapping."""
    if project.environment is None:
        return {}
    for entry in project.meltano.get("environments") or ():
        if entry.get("name") == project.environment:
            return dict(entry)
    return {}


def environment_plugin_entry(project: Project, plugin: ProjectPlugin) -> Mapping[str, Any]:
    """The active environment's override entry for `plugin`, or an empty mapping."""
    return dict(_environment_plugin_entries(project).get((plugin.type.value, plugin.name), {}))


def _environment_plugin_entries(project: Project) -> Mapping[tuple[str, str], Mapping[str, Any]]:
    """The active environment's plugin entries by (type, name), the first of a name winning.

    Kept with the merged view it was read from: compile asks for every plugin in every
    environment, and scanning the entries each time made it grow with plugins squared.
    """
    merged, environment = project.meltano, project.environment
    cached = project.__dict__.get("_environment_plugin_entries")
    if cached is not None and cached[0] is merged and cached[1] == environment:
        return cached[2]  # type: ignore[no-any-return]  # stored by this function
    config = active_environment(project).get("config") or {}
    entries: dict[tuple[str, str], Mapping[str, Any]] = {}
    for plugin_type, listed in (config.get("plugins") or {}).items():
        for entry in listed or ():
            if isinstance(entry, Mapping):
                entries.setdefault((str(plugin_type), str(entry.get("name"))), entry)
    project.__dict__["_environment_plugin_entries"] = (merged, environment, entries)
    return entries


def identity_env(plugin: ProjectPlugin) -> dict[str, str]:
    """`MELTANO_EXTRACTOR_NAME`, `..._NAMESPACE`, `..._VARIANT` (`default` when unset)."""
    prefix = plugin.type.identity_prefix
    plugin = plugin.identity
    return {
        f"{prefix}NAME": plugin.name,
        f"{prefix}NAMESPACE": plugin.namespace,
        f"{prefix}VARIANT": plugin.variant_label,
    }


def _expand_block(block: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    return {str(k): expand_text(str(v), env) or "" for k, v in (block or {}).items()}


def env_levels(project: Project, plugin: ProjectPlugin | None) -> list[dict[str, str]]:
    """The expanded `env:` blocks, lowest priority first (settings.md §9).

    Each block is expanded against everything expanded before it, so `X: ${X}2` stacks:
    root `env`, the environment's `env`, the root plugin `env`, the environment plugin `env`.
    The returned order is the priority order: root, root plugin, environment, environment
    plugin (an environment's `env` beats a root plugin's `env`, as documented).
    """
    seen = {**terminal_env(project), **project_env(project)}
    if plugin is not None:
        seen.update(identity_env(plugin))
    root = _expand_block(project.meltano.get("env") or {}, seen)
    seen.update(root)
    environment = _expand_block(active_environment(project).get("env") or {}, seen)
    seen.update(environment)
    if plugin is None:
        return [root, environment]
    plugin_env: dict[str, str] = {}
    for ancestor in reversed(plugin.lineage()):
        plugin_env.update(_expand_block(ancestor.env, {**seen, **plugin_env}))
    seen.update(plugin_env)
    env_plugin = _expand_block(environment_plugin_entry(project, plugin).get("env") or {}, seen)
    return [root, plugin_env, environment, env_plugin]


def yml_env(project: Project, plugin: ProjectPlugin | None) -> dict[str, str]:
    """All `env:` blocks merged by priority: these count as environment variables."""
    merged: dict[str, str] = {}
    for level in env_levels(project, plugin):
        merged.update(level)
    return merged


def env_value(definition: SettingDefinition, value: Any) -> str:
    """How a value is written into an env var: text as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (datetime.date, datetime.time)):  # unquoted YAML dates and times
        return value.isoformat()
    if definition.kind in (None, Kind.STRING, Kind.DECIMAL) and isinstance(value, (int, float)):
        return str(value) if not isinstance(value, bool) else json.dumps(value)
    return json.dumps(value, default=_json_default)


def _json_default(value: Any) -> Any:
    """Dates inside objects and arrays become ISO text, as in 4.4.1's output."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def written_names(plugin: ProjectPlugin, definition: SettingDefinition) -> list[str]:
    """Env var names a setting is written to in the plugin's process (settings.md §4)."""
    names = [definition.env] if definition.env else []
    names += [to_env_var(prefix, definition.name) for prefix in plugin.written_prefixes]
    names.append(to_env_var(f"MELTANO_{plugin.type.verb}", definition.name))
    names += [a for a in definition.env_aliases if not a.startswith("!")]
    return list(dict.fromkeys(names))


def settings_env(
    plugin: ProjectPlugin,
    definitions: tuple[SettingDefinition, ...],
    values: Mapping[str, Any],
) -> dict[str, str]:
    """Env vars for resolved setting values (nulls skipped; object extras also per leaf)."""
    env: dict[str, str] = {}
    for definition in definitions:
        value = values.get(definition.name)
        if value is None:
            continue
        for name in written_names(plugin, definition):
            env[name] = env_value(definition, value)
        if definition.is_extra and isinstance(value, Mapping) and value:
            for path, leaf in leaves(value).items():
                if leaf is None:
                    continue
                nested = SettingDefinition(name=f"{definition.name}.{path}")
                for name in written_names(plugin, nested):
                    env[name] = env_value(nested, leaf)
    return env


def meltano_settings_env(
    resolved: Mapping[str, Resolved], definitions: Sequence[SettingDefinition] | None = None
) -> dict[str, str]:
    """Meltano's own settings as `MELTANO_*` variables (unset ones skipped).

    `definitions` defaults to the built-in settings; pass `definitions(addons=True)` to
    include add-on settings.
    """
    chosen = meltano_definitions() if definitions is None else definitions
    by_name = {d.name: d for d in chosen}
    return {
        to_env_var("MELTANO", name): env_value(by_name[name], item.value)
        for name, item in resolved.items()
        if item.value is not None and name in by_name
    }


def pip_url_defaults() -> dict[str, str]:
    """Built-in `pip_url` variables that the terminal may override, as in 4.4.1.

    `MELTANO__PYTHON_VERSION` is the `major.minor` of the Python Meltano runs on: the Hub's
    Airflow orchestrator and utilities pick their constraints file by it. `MELTANO_JOB_TRIGGER`
    is `cli` unless a scheduler exported its own.
    """
    return {
        "MELTANO__PYTHON_VERSION": f"{sys.version_info.major}.{sys.version_info.minor}",
        "MELTANO_JOB_TRIGGER": "cli",
    }


def install_env(project: Project, plugin: ProjectPlugin) -> dict[str, str]:
    """What `pip_url` is expanded against: built-ins, terminal, project, root `env`, identity,
    plugin `env`.

    The same whatever environment is active (environment-level blocks never apply), so
    installs and the up-to-date check before `invoke`/`run` agree.
    """
    seen = {
        **pip_url_defaults(),
        **terminal_env(project),
        **project_env(project),
        "MELTANO_ENVIRONMENT": "",
    }
    seen.update(identity_env(plugin))
    seen.update(_expand_block(project.meltano.get("env") or {}, seen))
    for ancestor in reversed(plugin.lineage()):
        seen.update(_expand_block(ancestor.env, seen))
    return seen
