"""Build the manifest of one environment (project-file.md §8) and write manifest files."""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meltano.core.compile.merge import deep_merge, redact_paths, replace_root
from meltano.core.plugins.project_plugin import mapping_plugin, project_plugins
from meltano.core.plugins.types import PluginType
from meltano.core.project.document import write_atomically
from meltano.core.settings.plugin_settings import plugin_settings
from meltano.core.settings.process_env import (
    active_environment,
    environment_plugin_entry,
    meltano_settings_env,
    settings_env,
)
from meltano.core.settings.project_settings import definitions, meltano_settings

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project

REDACTED = "(redacted)"
DROPPED_KEYS = ("environments", "include_paths")


@dataclass(frozen=True)
class CompileOptions:
    """How manifests are written: `indent` None is compact, 0 is newlines without indent."""

    directory: Path
    indent: int | None = 4
    safe: bool = True


def manifest_name(environment: str | None) -> str:
    """`meltano-manifest.json` for no environment, else `meltano-manifest.<env>.json`."""
    return (
        "meltano-manifest.json" if environment is None else f"meltano-manifest.{environment}.json"
    )


@contextmanager
def _active(project: Project, environment: str | None) -> Iterator[None]:
    saved = project.environment
    project.environment = environment
    try:
        yield
    finally:
        project.environment = saved


def build(project: Project, environment: str | None, *, safe: bool = True) -> dict[str, Any]:
    """The manifest for `environment` (None: the project without any environment)."""
    with _active(project, environment):
        return _build(project, environment, safe=safe)


def _build(project: Project, environment: str | None, *, safe: bool) -> dict[str, Any]:
    manifest = copy.deepcopy(dict(project.meltano))
    for key in DROPPED_KEYS:
        manifest.pop(key, None)
    env_entry = active_environment(project)
    if env_entry.get("annotations"):
        manifest["annotations"] = deep_merge(
            manifest.get("annotations") or {}, env_entry["annotations"]
        )
    manifest["env"] = _project_env(project, env_entry, safe=safe)
    manifest["plugins"] = _plugins(project, safe=safe)
    manifest["schedules"] = [
        {**schedule, "env": schedule.get("env") or {}}
        if isinstance(schedule, Mapping)
        else schedule
        for schedule in manifest.get("schedules") or []
    ]  # 4.4.1 gives every schedule an `env`
    return manifest


def _project_env(project: Project, env_entry: Mapping[str, Any], *, safe: bool) -> dict[str, str]:
    # As 4.4.1, the manifest carries the settings of installed add-ons too.
    resolved = meltano_settings(project, addons=True)
    env = meltano_settings_env(resolved, definitions(addons=True))
    if safe:
        for definition in definitions(addons=True):
            name = f"MELTANO_{definition.name.upper().replace('.', '_')}"
            if definition.is_secret and name in env:
                env[name] = REDACTED
    env.update(_text_values(project.meltano.get("env")))
    env.update(_text_values(env_entry.get("env")))
    return replace_root(env, str(project.root))


def _text_values(block: Any) -> dict[str, str]:
    return {str(key): str(value) for key, value in (block or {}).items()}


def _plugins(project: Project, *, safe: bool) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {t.value: [] for t in PluginType}
    for plugin in project_plugins(project):
        grouped[plugin.type.value].append(plugin_manifest(project, plugin, safe=safe))
    return grouped


def plugin_manifest(project: Project, plugin: ProjectPlugin, *, safe: bool) -> dict[str, Any]:
    """One plugin: its locked definition under its entry, the environment's overrides on top,
    and `env` holding every resolved setting as the variables the plugin process gets (for a
    mapper with `mappings:`, as its last mapping runs, like 4.4.1's `_MAPPING*` variables)."""

    entry = deep_merge(dict(plugin.base or {}), dict(plugin.entry), override_first=True)
    env_entry = {k: v for k, v in environment_plugin_entry(project, plugin).items() if k != "name"}
    entry = deep_merge(entry, env_entry)
    if not plugin.inherit_from:  # 4.4.1 writes an inheriting plugin's own entry only
        if plugin.is_custom:  # a locked definition brings its own label, or none
            entry.setdefault("label", plugin.label or plugin.name)
        entry["plugin_type"] = plugin.type.value

    runs_as = mapping_plugin(plugin, plugin.mappings[-1]) if plugin.mappings else plugin
    settings = plugin_settings(project, runs_as, use_db=False)
    values = {name: _plain(item.value) for name, item in settings.values.items()}
    secrets = [
        d.name for d in settings.definitions if d.is_secret and values.get(d.name) is not None
    ]
    if safe:
        values.update(dict.fromkeys(secrets, REDACTED))
        if isinstance(entry.get("config"), Mapping):
            entry["config"] = redact_paths(entry["config"], secrets, REDACTED)
    sensitive = {d.name for d in settings.definitions if d.is_secret}
    for setting in entry.get("settings") or []:  # 4.4.1's definition copy of `kind: password`
        if isinstance(setting, dict) and setting.get("name") in sensitive:
            setting["sensitive"] = True
    env = settings_env(runs_as, settings.definitions, values)
    for ancestor in reversed(plugin.lineage()):
        env.update(_text_values(ancestor.env))
    env.update(_text_values(env_entry.get("env")))
    entry["env"] = replace_root(env, str(project.root))
    return entry


def _plain(value: Any) -> Any:
    """YAML dates and times as the text they were written as (JSON has no date type)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def render(manifest: Mapping[str, Any], indent: int | None) -> str:
    """Sorted-key JSON with a trailing newline."""
    return json.dumps(manifest, indent=indent, sort_keys=True, default=str) + "\n"


def write(project: Project, environment: str | None, options: CompileOptions) -> Path:
    """Build and write one manifest file; return its path."""

    manifest = build(project, environment, safe=options.safe)
    options.directory.mkdir(parents=True, exist_ok=True)
    path = options.directory / manifest_name(environment)
    write_atomically(path, render(manifest, options.indent))
    return path
