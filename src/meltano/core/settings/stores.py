"""Where `meltano config set/unset/reset` write: `.env`, meltano.yml, or the system DB."""

from __future__ import annotations

import enum
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError, ProjectReadOnlyError
from meltano.core.project import document
from meltano.core.settings import dotenv, project_settings, systemdb
from meltano.core.settings.definitions import SettingDefinition
from meltano.core.settings.loaders import read_names
from meltano.core.settings.names import canonical, split_name
from meltano.core.settings.process_env import env_value

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.files import ProjectFiles
    from meltano.core.project.project import Project


class Store(str, enum.Enum):
    """A writable store; `auto` picks one per setting (settings.md §6)."""

    AUTO = "auto"
    DOTENV = "dotenv"
    MELTANO_YML = "meltano_yml"
    DB = "db"

    def label(self, project: Project, plugin: ProjectPlugin | None) -> str:
        if self is Store.MELTANO_YML and plugin is not None and project.environment:
            return "the active environment in `meltano.yml`"
        return {
            Store.DOTENV: "`.env`",
            Store.MELTANO_YML: "`meltano.yml`",
            Store.DB: "the system database",
        }.get(self, "auto")


def choose_store(
    project: Project, plugin: ProjectPlugin | None, definition: SettingDefinition
) -> Store:
    """Read-only -> DB; secret or env-specific -> `.env`; otherwise meltano.yml."""
    if project.readonly:
        if plugin is None:
            raise ProjectReadOnlyError()  # Meltano's settings are never read from the DB
        return Store.DB
    if definition.sensitive or definition.env_specific:
        return Store.DOTENV
    return Store.MELTANO_YML


def dotenv_names(plugin: ProjectPlugin | None, definition: SettingDefinition) -> list[str]:
    """Spellings of a setting in `.env`; the first is the one written."""
    if plugin is None:
        return project_settings.env_names(definition)
    return read_names(plugin, definition)


def _check_writable(project: Project, plugin: ProjectPlugin | None, store: Store) -> None:
    if store is Store.DB and plugin is None:
        raise MeltanoError(
            "Meltano's own settings cannot be stored in the system database",
            "Use `--store=meltano_yml` or `--store=dotenv`",
        )
    if store in (Store.DOTENV, Store.MELTANO_YML) and project.readonly:
        raise ProjectReadOnlyError()


def set_value(
    project: Project,
    plugin: ProjectPlugin | None,
    definition: SettingDefinition,
    value: Any,
    store: Store = Store.AUTO,
) -> Store:
    """Write one (already cast) value; return the store used."""
    if store is Store.AUTO:
        store = choose_store(project, plugin, definition)
    _check_writable(project, plugin, store)
    names = dotenv_names(plugin, definition)
    if store is Store.DOTENV:
        with project.edit_dotenv() as env_file:
            dotenv.update(env_file, {names[0]: env_value(definition, value)}, names[1:])
    elif store is Store.DB:
        systemdb.write_value(project, systemdb.namespace(plugin), definition.name, value)
    else:
        with project.edit() as files:
            node = _yml_node(project, files, plugin, create=True)
            assert node is not None  # create=True always gives a node
            _remove_spellings(node, plugin, definition)
            _set_path(node, plugin, definition, value)
    return store


def unset_value(
    project: Project,
    plugin: ProjectPlugin | None,
    definition: SettingDefinition,
    store: Store = Store.AUTO,
) -> list[Store]:
    """Remove a value from one store, or (auto) from every writable store holding it."""
    stores: list[Store] = [store] if store is not Store.AUTO else _auto_stores(project, plugin)
    for chosen in stores:
        _check_writable(project, plugin, chosen)
    changed: list[Store] = []
    for chosen in stores:
        if chosen is Store.DOTENV:
            names = dotenv_names(plugin, definition)
            with project.edit_dotenv() as env_file:
                if dotenv.update(env_file, {}, names):
                    changed.append(chosen)
        elif chosen is Store.DB:
            if systemdb.delete_values(project, systemdb.namespace(plugin), [definition.name]):
                changed.append(chosen)
        else:
            with project.edit() as files:
                node = _yml_node(project, files, plugin, create=False)
                if node is not None and _remove_spellings(node, plugin, definition):
                    changed.append(chosen)
    return changed


def reset(
    project: Project,
    plugin: ProjectPlugin | None,
    definitions: tuple[SettingDefinition, ...],
    store: Store = Store.AUTO,
) -> list[Store]:
    """Clear all of the plugin's values in the store(s); unrelated `.env` lines stay."""
    stores: list[Store] = [store] if store is not Store.AUTO else _auto_stores(project, plugin)
    for chosen in stores:
        _check_writable(project, plugin, chosen)
    for chosen in stores:
        if chosen is Store.DOTENV:
            names = [n for d in definitions for n in dotenv_names(plugin, d)]
            with project.edit_dotenv() as env_file:
                dotenv.update(env_file, {}, names)
        elif chosen is Store.DB:
            systemdb.delete_values(project, systemdb.namespace(plugin))
        else:
            with project.edit() as files:
                node = _yml_node(project, files, plugin, create=False)
                if node is not None:
                    for definition in definitions:
                        if plugin is None and definition.name == "project_id":
                            continue
                        _remove_spellings(node, plugin, definition)
    return stores


def _auto_stores(project: Project, plugin: ProjectPlugin | None) -> list[Store]:
    if project.readonly:
        if plugin is None:
            raise ProjectReadOnlyError()  # Meltano's settings live in files only
        return [Store.DB]
    stores: list[Store] = [Store.DOTENV, Store.MELTANO_YML]
    return [*stores, Store.DB] if plugin is not None else stores


def _yml_node(
    project: Project, files: ProjectFiles, plugin: ProjectPlugin | None, *, create: bool
) -> MutableMapping[str, Any] | None:
    """The mapping holding the values: the root (Meltano), a plugin or environment entry."""
    if plugin is None:
        return files.root.data
    if project.environment is None:
        found = files.find(plugin.type.value, plugin.name)
        if found is None:
            raise MeltanoError(f"{plugin.type.descriptor} '{plugin.name}' is not in meltano.yml")
        return found[1]
    found = files.find("environments", project.environment)
    if found is None:
        raise MeltanoError(f"Environment '{project.environment}' was not found")
    environment = found[1]
    if not create and not environment.get("config"):
        return None
    plugins = _child(_child(environment, "config"), "plugins")
    entries = plugins.get(plugin.type.value)
    if not isinstance(entries, list):
        if not create:
            return None
        entries = plugins[plugin.type.value] = document.new_seq()
    for entry in entries:
        if entry.get("name") == plugin.name:
            return entry  # type: ignore[no-any-return]  # ruamel nodes are untyped
    if not create:
        return None
    entry = document.new_map()
    entry["name"] = plugin.name
    entries.append(entry)
    return entry


def _child(node: MutableMapping[str, Any], key: str) -> MutableMapping[str, Any]:
    if not isinstance(node.get(key), MutableMapping):
        node[key] = document.new_map()
    return node[key]  # type: ignore[no-any-return]  # just made sure it is a mapping


def _location(
    node: MutableMapping[str, Any], plugin: ProjectPlugin | None, name: str
) -> tuple[Any, list[str]]:
    """Where a setting's path starts, and the path: extras sit beside `config:` (`_metadata.x`
    is `metadata: {x: ...}`), plugin settings inside it, Meltano's at the root."""
    parts = split_name(canonical(name))
    if parts[0].startswith("_"):
        return node, [parts[0][1:], *parts[1:]]
    return (node if plugin is None else node.get("config")), parts


def _set_path(
    node: MutableMapping[str, Any],
    plugin: ProjectPlugin | None,
    definition: SettingDefinition,
    value: Any,
) -> None:
    if plugin is not None and not definition.is_extra:
        _child(node, "config")
    target, parts = _location(node, plugin, definition.name)
    *parents, last = parts
    # A literal dot stays a plain dot in the YAML key, as 4.4.1 writes it: `_update` keys are
    # file paths (`dags/meltano.py`) that the file bundle looks up as written.
    for part in parents:
        target = _child(target, part)
    target[last] = value


def _remove_spellings(
    node: MutableMapping[str, Any], plugin: ProjectPlugin | None, definition: SettingDefinition
) -> bool:
    """Delete the setting under its name and aliases, nested or dotted; prune empty maps."""
    removed = False
    for name in (definition.name, *definition.aliases):
        holder, parts = _location(node, plugin, name)
        if isinstance(holder, MutableMapping):
            removed = _pop_path(holder, parts) or removed
    if plugin is not None and isinstance(node.get("config"), MutableMapping) and not node["config"]:
        node.pop("config", None)
    return removed


def _pop_path(node: MutableMapping[str, Any], parts: list[str]) -> bool:
    """Remove `parts` under `node`, however the YAML splits it into dotted keys."""
    removed = False
    for size in range(len(parts), 0, -1):
        escaped = ".".join(p.replace(".", "\\.") for p in parts[:size])
        for key in dict.fromkeys((escaped, ".".join(parts[:size]))):
            if key not in node:
                continue
            if size == len(parts):
                del node[key]
                removed = True
            elif isinstance(node[key], MutableMapping):
                removed = _pop_path(node[key], parts[size:]) or removed
                if not node[key]:
                    del node[key]
    return removed
