"""Lock files: the pinned definition of a Hub plugin: `plugins/<type>/<name>--<variant>.lock`."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError
from meltano.core.plugins.definition import DefinitionError, PluginDefinition
from meltano.core.plugins.hub import HubClient, PluginNotFoundError, hub_client_for
from meltano.core.plugins.project_plugin import read_lock_file
from meltano.core.project.document import write_atomically

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.plugins.types import PluginType
    from meltano.core.project.project import Project

LOCK_DIR = "plugins"
_FORBIDDEN = ("/", "\\", "\0")


class LockFileError(MeltanoError):
    """A lock file exists but cannot be read as a definition."""


def lock_path(project_root: Path, plugin_type: str, name: str, variant: str | None) -> Path:
    """Where the lock file of this definition lives (no `--<variant>` part without a variant)."""
    for part in (plugin_type, name, variant or ""):
        if part in (".", "..") or any(c in part for c in _FORBIDDEN):
            raise MeltanoError(
                f"{part!r} cannot be part of a lock file name",
                "Plugin names and variants must not contain path separators",
            )
    filename = f"{name}--{variant}.lock" if variant else f"{name}.lock"
    return project_root / LOCK_DIR / plugin_type / filename


def render_lock(definition: PluginDefinition) -> str:
    """The lock file text: JSON with indent 2 and a trailing newline, as 4.4.1 writes it."""
    return json.dumps(definition.to_lock(), indent=2) + "\n"


def write_lock(project_root: Path, definition: PluginDefinition) -> Path:
    """Write (or overwrite) the lock file of `definition`; return its path."""

    path = lock_path(project_root, definition.plugin_type, definition.name, definition.variant)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, render_lock(definition))
    return path


def read_lock(path: Path, *, plugin_type: str) -> PluginDefinition:
    """Read one lock file into a definition."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LockFileError(
            f"Could not read lock file {path}: {error.strerror}",
            "Check its permissions, or recreate it with `meltano lock --update`",
        ) from error
    except json.JSONDecodeError as error:
        raise LockFileError(
            f"Lock file {path} is not valid JSON (line {error.lineno}: {error.msg})",
            "Recreate it with `meltano lock --update`",
        ) from error
    try:
        return PluginDefinition.from_dict(data, plugin_type=plugin_type)
    except DefinitionError as error:
        raise LockFileError(
            f"Lock file {path} is not a plugin definition: {error.reason}",
            "Recreate it with `meltano lock --update`",
        ) from error


def own_lock_files(project_root: Path, plugin_type: str, name: str) -> list[Path]:
    """This plugin's lock files only: `<name>.lock` and `<name>--*.lock` (not `<name>-x--*`)."""
    directory = lock_path(project_root, plugin_type, name, None).parent
    if not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.glob("*.lock")
        if path.name == f"{name}.lock"
        or (path.name.startswith(f"{name}--") and "--" not in path.name[len(name) + 2 :])
    )


class LockStatus(enum.Enum):
    LOCKED = "locked"  # written from the Hub
    EXISTS = "exists"  # a lock file is already there and no update was asked for
    CUSTOM = "custom"  # custom plugins have no Hub definition to lock
    INHERITED = "inherited"  # inheriting plugins use their parent's lock


@dataclass(frozen=True)
class LockOutcome:
    plugin_type: str
    name: str
    status: LockStatus
    path: Path | None = None


def lock_plugin(
    project_root: Path, plugin: ProjectPlugin, client: HubClient, *, update: bool = False
) -> LockOutcome:
    """Write a project plugin's lock file from the Hub (`meltano lock`); skip what has none."""
    plugin_type = plugin.type.value
    if plugin.is_custom:
        return LockOutcome(plugin_type, plugin.name, LockStatus.CUSTOM)
    if plugin.inherit_from:
        return LockOutcome(plugin_type, plugin.name, LockStatus.INHERITED)
    if plugin.variant is not None:
        path = lock_path(project_root, plugin_type, plugin.name, plugin.variant)
        if path.is_file() and not update:
            return LockOutcome(plugin_type, plugin.name, LockStatus.EXISTS, path)
    definition = client.definition(plugin_type, plugin.name, plugin.variant)
    path = lock_path(project_root, plugin_type, definition.name, definition.variant)
    if path.is_file() and not update:
        return LockOutcome(plugin_type, plugin.name, LockStatus.EXISTS, path)
    return LockOutcome(
        plugin_type, plugin.name, LockStatus.LOCKED, write_lock(project_root, definition)
    )


def locked_or_fetched(
    command: str,
) -> Callable[[Project, PluginType, str, str | None], Mapping[str, Any] | None]:
    """A definition source for project plugins: the lock file, else the Hub.

    A definition fetched from the Hub is written to its lock file (unless the project is
    read-only), so the next command works offline. A plugin unknown to the Hub gives None;
    an unreachable Hub is an error.
    """

    def source(
        project: Project, plugin_type: PluginType, name: str, variant: str | None
    ) -> Mapping[str, Any] | None:
        locked = read_lock_file(project, plugin_type, name, variant)
        if locked is not None:
            return locked
        try:
            definition = hub_client_for(project, command).definition(
                plugin_type.value, name, variant
            )
        except PluginNotFoundError:
            return None
        if not project.readonly:
            write_lock(project.root, definition)
        return definition.to_lock()

    return source
