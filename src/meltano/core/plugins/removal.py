"""Remove a plugin from every place it lives: meltano.yml, its venv, its lock files, the DB."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from meltano.core.errors import MeltanoError, ProjectReadOnlyError
from meltano.core.plugins.lockfile import own_lock_files
from meltano.core.plugins.types import PluginType
from meltano.core.plugins.types import infer_type as infer_from_name
from meltano.core.settings import systemdb

if TYPE_CHECKING:
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")


@dataclass
class Removal:
    """Where a plugin was found and removed, and where it was not."""

    plugin_type: PluginType
    name: str
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    inheritors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def infer_type(project: Project, name: str) -> PluginType:
    """The type of the project plugin called `name`; from its prefix when none is."""

    plugins = project.meltano.get("plugins") or {}
    types = [t for t in PluginType for e in plugins.get(t.value) or [] if e.get("name") == name]
    if len(types) > 1:
        raise MeltanoError(
            f"Several plugins are called '{name}'", "Pass --plugin-type to say which one to remove"
        )
    if types:
        return types[0]

    return infer_from_name(name)


def remove_plugin(project: Project, plugin_type: PluginType, name: str) -> Removal:
    """Remove one plugin; log each location it was removed from or not found in."""

    if project.readonly:
        raise ProjectReadOnlyError()  # before touching anything, so nothing is half-removed
    removal = Removal(plugin_type, name)
    descriptor = f"{plugin_type.singular} '{name}'"
    log.info("removing plugin", plugin_type=plugin_type.singular, name=name)

    namespace = f"{plugin_type.value}.{name}.default"
    deleted = systemdb.delete_values(project, namespace)
    _note(removal, "the system database", found=deleted > 0)

    with project.edit() as files:
        found = files.find(plugin_type.value, name)
        if found is not None:
            owner, entry = found
            entries = owner.data["plugins"][plugin_type.value]
            entries.remove(entry)
            if not entries:
                del owner.data["plugins"][plugin_type.value]
        removal.inheritors = [
            str(other["name"])
            for other in (project.meltano.get("plugins") or {}).get(plugin_type.value) or []
            if other.get("inherit_from") == name and other.get("name") != name
        ]
    _note(removal, "meltano.yml", found=found is not None)

    install_dir = project.sys_dir / plugin_type.value / name
    existed = install_dir.exists()
    if existed:
        shutil.rmtree(install_dir)
    _note(removal, f".meltano/{plugin_type.value}/{name}", found=existed)

    locks = own_lock_files(project.root, plugin_type.value, name)
    for path in locks:
        path.unlink()
    _note(removal, f"plugins/{plugin_type.value}/{name}--*.lock", found=bool(locks))

    for inheritor in removal.inheritors:
        log.warning(
            "plugin inherits from a removed plugin",
            plugin=inheritor,
            removed=descriptor,
            hint="edit its inherit_from or remove it too",
        )
    return removal


def _note(removal: Removal, location: str, *, found: bool) -> None:
    if found:
        removal.removed.append(location)
        log.info(
            "removed plugin",
            plugin_type=removal.plugin_type.singular,
            name=removal.name,
            location=location,
        )
    else:
        removal.missing.append(location)
        log.warning(
            "plugin not found here, nothing to remove",
            plugin_type=removal.plugin_type.singular,
            name=removal.name,
            location=location,
        )
