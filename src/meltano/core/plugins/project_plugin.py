"""A plugin as the project declares it: its meltano.yml entry joined with its definition."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError
from meltano.core.plugins.types import EXTRAS, PluginType
from meltano.core.settings.definitions import SettingDefinition, infer_kind, merge_definitions

if TYPE_CHECKING:
    from meltano.core.project.project import Project

# Where a plugin's parent definition comes from (lock file, Hub): (project, type, name,
# variant) -> the definition as a plain mapping, or None. The Hub client can supply its own.
DefinitionSource = Callable[["Project", PluginType, str, "str | None"], "Mapping[str, Any] | None"]

# Keys of a plugin entry that are not extras; anything else becomes a custom extra `_<key>`.
ENTRY_KEYS = frozenset(
    [
        "name",
        "variant",
        "inherit_from",
        "namespace",
        "pip_url",
        "python",
        "executable",
        "capabilities",
        "settings_group_validation",
        "settings",
        "config",
        "commands",
        "requires",
        "requires_meltano",
        "env",
        "label",
        "description",
        "logo_url",
        "docs",
        "repo",
        "hidden",
        "keywords",
        "maintenance_status",
        "domain_url",
        "quality",
        "supported_python_versions",
        "annotations",
        "plugin_type",
        "original",
        "deprecated",
        "variants",
        "definition_key",
        "ext_settings",
        "container_spec",
    ]
)


@dataclass(frozen=True)
class ProjectPlugin:
    """A project plugin: its own entry, the parent it inherits from, and merged definitions."""

    type: PluginType
    name: str
    namespace: str
    variant: str | None = None
    inherit_from: str | None = None
    pip_url: str | None = None
    python: str | None = None
    executable: str | None = None
    label: str | None = None
    docs: str | None = None
    capabilities: tuple[str, ...] = ()
    settings: tuple[SettingDefinition, ...] = ()  # definitions, extras included
    settings_group_validation: tuple[tuple[str, ...], ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)  # the entry's `config:`
    extras: Mapping[str, Any] = field(default_factory=dict)  # `_select` etc. from the entry
    env: Mapping[str, str] = field(default_factory=dict)
    commands: Mapping[str, Any] = field(default_factory=dict)
    container_spec: Mapping[str, Any] | None = None  # as written; see plugins/container_spec.py
    mappings: tuple[Mapping[str, Any], ...] = ()
    parent: ProjectPlugin | None = None  # a project plugin named in `inherit_from`
    base: Mapping[str, Any] | None = None  # the definition from a lock file / the Hub
    entry: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_custom(self) -> bool:
        return "namespace" in self.entry and not self.inherit_from

    @property
    def mapper(self) -> ProjectPlugin | None:
        """For one of a mapper's `mappings:`, the mapper: the process that runs is the mapper's,
        with the mapping's config, so names, prefixes and identity variables are the mapper's."""
        return self.parent if self.entry.get("mapping_name") else None

    @property
    def identity(self) -> ProjectPlugin:
        """The plugin whose name, namespace and variant the process sees."""
        return self.mapper or self

    # Cached (the instance is frozen, so they never change): asked per setting and environment.
    @functools.cached_property
    def env_prefixes(self) -> tuple[str, ...]:
        """Prefixes settings are read from: the plugin name, then its namespace."""
        if self.mapper is not None:
            return self.mapper.env_prefixes
        return tuple(dict.fromkeys((self.name, self.namespace)))

    @functools.cached_property
    def written_prefixes(self) -> tuple[str, ...]:
        """Prefixes settings are written under: own, then each parent's (a Hub parent too)."""
        if self.mapper is not None:
            return self.mapper.written_prefixes
        inherited: tuple[str, ...] = ()
        if self.parent is not None:
            inherited = self.parent.written_prefixes
        elif self.inherit_from and self.base:
            inherited = (self.inherit_from, str(self.base.get("namespace") or self.inherit_from))
        return tuple(dict.fromkeys([*self.env_prefixes, *inherited]))

    @property
    def variant_label(self) -> str:
        return self.variant or "default"

    def lineage(self) -> list[ProjectPlugin]:
        """This plugin, then its project-plugin ancestors."""
        chain: list[ProjectPlugin] = []
        plugin: ProjectPlugin | None = self
        while plugin is not None:
            chain.append(plugin)
            plugin = plugin.parent
        return chain


class PluginNotFoundError(MeltanoError):
    def __init__(self, name: str, plugin_type: PluginType | None) -> None:
        kind = plugin_type.descriptor if plugin_type else "Plugin"
        super().__init__(
            f"{kind} '{name}' is not known to this project",
            "List the project's plugins with `meltano plugin list`, or add it with `meltano add`",
        )


def from_entry(
    plugin_type: PluginType,
    entry: Mapping[str, Any],
    *,
    parent: ProjectPlugin | None = None,
    base: Mapping[str, Any] | None = None,
) -> ProjectPlugin:
    """Build a plugin from its meltano.yml entry and what it inherits (pure)."""
    name = str(entry["name"])
    owner = f"{plugin_type.singular} '{name}'"
    definition: Mapping[str, Any] = entry if "namespace" in entry and not base else base or {}
    inherited = parent.settings if parent else _definitions(definition, owner)
    own = _definitions(entry, owner) if definition is not entry else ()
    extra_keys = {d["name"][1:] for d in EXTRAS[plugin_type]}
    extras = {f"_{k}": v for k, v in entry.items() if k in extra_keys or k not in ENTRY_KEYS}
    custom_extras = tuple(
        SettingDefinition.custom_for(key, value)
        for key, value in extras.items()
        if key[1:] not in extra_keys
    )
    # A child keeps its parent's extras, defaults from the parent's definition included
    # (`dialect: postgres` of a Hub loader), as 4.4.1 does; only missing ones are added.
    inherited_names = {d.name for d in inherited}
    defaults = {} if definition is entry else definition  # an entry's keys are values, not defaults
    type_extras = tuple(
        _extra_definition(d, defaults)
        for d in EXTRAS[plugin_type]
        if parent is None or d["name"] not in inherited_names
    )
    settings = merge_definitions(
        merge_definitions(inherited, own),
        type_extras + _definition_extras(definition, entry, extra_keys) + custom_extras,
    )

    def pick(key: str) -> Any:
        for source in (entry, definition):
            if source.get(key) is not None:
                return source[key]
        return getattr(parent, key, None)

    namespace = entry.get("namespace") or (
        name.replace("-", "_") if entry.get("inherit_from") else definition.get("namespace")
    )
    variant = entry.get("variant") or definition.get("variant")
    return ProjectPlugin(
        type=plugin_type,
        name=name,
        namespace=str(namespace or name.replace("-", "_")),
        variant=_text(variant or (parent.variant if parent else None)),
        inherit_from=_text(entry.get("inherit_from")),
        pip_url=_text(pick("pip_url")),
        python=_text(pick("python")),
        executable=_text(pick("executable")),
        label=_text(pick("label")),
        docs=_text(pick("docs")),
        capabilities=tuple(str(c) for c in pick("capabilities") or ()),
        settings=settings,
        settings_group_validation=tuple(
            tuple(str(s) for s in group) for group in pick("settings_group_validation") or ()
        ),
        config=dict(entry.get("config") or {}),
        extras=extras,
        env={str(k): str(v) for k, v in (entry.get("env") or {}).items()},
        commands={
            **(parent.commands if parent else definition.get("commands") or {}),
            **(entry.get("commands") or {}),
        },
        container_spec=pick("container_spec"),
        mappings=tuple(entry.get("mappings") or ()),
        parent=parent,
        base=base,
        entry=dict(entry),
    )


def _definitions(data: Mapping[str, Any], owner: str) -> tuple[SettingDefinition, ...]:
    return tuple(SettingDefinition.from_dict(d, owner=owner) for d in data.get("settings") or ())


def _definition_extras(
    definition: Mapping[str, Any], entry: Mapping[str, Any], extra_keys: set[str]
) -> tuple[SettingDefinition, ...]:
    """Keys of a locked definition that no plugin field reads (the Hub's `ext_repo`) are
    extras with that value as default, as in 4.4.1 (`DBT_POSTGRES__EXT_REPO`)."""
    if definition is entry:
        return ()  # a custom plugin's own keys are already extras of the entry
    return tuple(
        SettingDefinition(name=f"_{key}", kind=infer_kind(value), value=value)
        for key, value in definition.items()
        if key not in ENTRY_KEYS and key not in extra_keys
    )


def _extra_definition(spec: Mapping[str, Any], definition: Mapping[str, Any]) -> SettingDefinition:
    """A type's extra; a definition-level key (a Hub `select:`) replaces its default."""
    key = spec["name"][1:]
    data = {**spec, "value": definition[key]} if key in definition else spec
    return SettingDefinition.from_dict(data)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def read_lock_file(
    project: Project, plugin_type: PluginType, name: str, variant: str | None
) -> Mapping[str, Any] | None:
    """The definition stored in `plugins/<type>/<name>--<variant>.lock`, if that file exists."""
    folder = project.root / "plugins" / plugin_type.value
    candidates: list[Path] = (
        [folder / f"{name}--{variant}.lock"]
        if variant
        else [folder / f"{name}.lock", *sorted(folder.glob(f"{name}--*.lock"))]
    )
    for path in candidates:
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise MeltanoError(
                    f"Cannot read the lock file {path}: {error}",
                    "Recreate it with `meltano lock --update`",
                ) from error
            return data if isinstance(data, Mapping) else None
    return None


def project_plugins(
    project: Project, *, definitions: DefinitionSource = read_lock_file
) -> list[ProjectPlugin]:
    """Every plugin in the project, parents resolved, in file order."""
    entries = _entries(project)
    return [_build(project, t, n, entries, definitions, ()) for (t, n) in entries]


def find_plugin(
    project: Project,
    name: str,
    *,
    plugin_type: PluginType | None = None,
    definitions: DefinitionSource = read_lock_file,
) -> ProjectPlugin:
    """The project plugin called `name` (of `plugin_type`, when given)."""
    entries = _entries(project)
    for plugin_key in entries:
        if plugin_key[1] == name and plugin_type in (None, plugin_key[0]):
            return _build(project, *plugin_key, entries, definitions, ())
    if plugin_type in (None, PluginType.MAPPERS):
        mapping = _find_mapping(project, name, entries, definitions)
        if mapping is not None:
            return mapping
    raise PluginNotFoundError(name, plugin_type)


def _find_mapping(
    project: Project,
    name: str,
    entries: Mapping[tuple[PluginType, str], Mapping[str, Any]],
    definitions: DefinitionSource,
) -> ProjectPlugin | None:
    """A mapper's `mappings:` entry, addressed by its name like a plugin of its own.

    It runs as its mapper with the mapping's `config` in place of the mapper's (as in 4.4.1:
    the mapper's own `config:` does not apply), and the extras `_mapping: true` and
    `_mapping_name`; definitions, extras, `env:` and the venv come from the mapper.
    """
    found = [
        (mapper_name, mapping)
        for (plugin_type, mapper_name), entry in entries.items()
        if plugin_type is PluginType.MAPPERS
        for mapping in entry.get("mappings") or ()
        if isinstance(mapping, Mapping) and mapping.get("name") == name
    ]
    if not found:
        return None
    if len(found) > 1:
        raise MeltanoError(
            f"Ambiguous mapping name {name}, found multiple matches",
            "Give each mapping a name that is unique across mappers",
        )
    mapper_name, mapping = found[0]
    mapper = _build(project, PluginType.MAPPERS, mapper_name, entries, definitions, ())
    return mapping_plugin(mapper, mapping)


def mapping_plugin(mapper: ProjectPlugin, mapping: Mapping[str, Any]) -> ProjectPlugin:
    """One entry of `mapper`'s `mappings:` as the plugin that runs (see `_find_mapping`)."""
    name = str(mapping.get("name"))
    entry = {
        "name": name,
        "config": mapping.get("config") or {},
        "mapping": True,
        "mapping_name": name,
    }
    return from_entry(PluginType.MAPPERS, entry, parent=mapper)


def _entries(project: Project) -> dict[tuple[PluginType, str], Mapping[str, Any]]:
    plugins = project.meltano.get("plugins") or {}
    return {
        (plugin_type, str(entry["name"])): entry
        for plugin_type in PluginType
        for entry in plugins.get(plugin_type.value) or ()
    }


def _build(
    project: Project,
    plugin_type: PluginType,
    name: str,
    entries: Mapping[tuple[PluginType, str], Mapping[str, Any]],
    definitions: DefinitionSource,
    seen: tuple[str, ...],
) -> ProjectPlugin:
    entry = entries[(plugin_type, name)]
    inherit_from = entry.get("inherit_from")
    if inherit_from == name:
        inherit_from = None
    if inherit_from and not entry.get("variant") and (plugin_type, inherit_from) in entries:
        if inherit_from in seen:
            raise MeltanoError(
                f"{plugin_type.descriptor} '{name}' cannot inherit from '{inherit_from}', "
                f"which itself inherits from '{name}'",
                "Break the cycle in `inherit_from`",
            )
        parent = _build(project, plugin_type, inherit_from, entries, definitions, (*seen, name))
        return from_entry(plugin_type, entry, parent=parent)
    if "namespace" in entry and not inherit_from:
        return from_entry(plugin_type, entry)
    base = definitions(project, plugin_type, str(inherit_from or name), entry.get("variant"))
    return from_entry(plugin_type, entry, base=base)
