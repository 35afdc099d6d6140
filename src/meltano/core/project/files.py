"""`meltano.yml` plus the files its `include_paths` name: one merged view, edits go home."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meltano.core.errors import ProjectFileError
from meltano.core.plugins.types import PLUGIN_TYPES
from meltano.core.project import document, parsed_cache
from meltano.core.project.validate import validate_text

NAMED_SECTIONS = ("environments", "schedules", "jobs")
_EMPTY_INCLUDE: dict[str, Any] = {"plugins": {}, "schedules": [], "jobs": [], "environments": []}


@dataclass
class ProjectFile:
    """One YAML document of the project, as read from disk."""

    path: Path
    data: dict[str, Any]  # a ruamel CommentedMap when read for editing
    original_text: str

    @classmethod
    def read(cls, path: Path, *, editable: bool = True) -> ProjectFile:
        """Parse and validate one file; `editable=False` may answer from `parsed_cache`."""
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ProjectFileError(
                f"{path} is not UTF-8 text: {error}", "Save the file as UTF-8"
            ) from error
        except OSError as error:
            raise ProjectFileError(
                f"Cannot read {path}: {error.strerror}",
                "Check that the file exists and is readable",
            ) from error
        if not editable:
            cached = parsed_cache.load(path, text)
            if cached is not None:
                return cls(path=path, data=cached, original_text=text)

        data = document.parse(text, path)
        validate_text(path, data, text)
        if not editable:
            plain = _to_plain(data)
            if plain == data:  # nothing (such as an integer key) that JSON would change
                parsed_cache.store(path, text, plain)
        return cls(path=path, data=data, original_text=text)

    def render(self, style: document.YamlStyle | None = None) -> str:
        return document.dump(self.data, style)


@dataclass
class ProjectFiles:
    """The root file and included files, with lookups that say which file owns an entry."""

    root: ProjectFile
    included: list[ProjectFile] = field(default_factory=list)

    @property
    def all(self) -> list[ProjectFile]:
        return [self.root, *self.included]

    @classmethod
    def load(
        cls, root_dir: Path, filename: str = "meltano.yml", *, editable: bool = True
    ) -> ProjectFiles:
        """Read `meltano.yml` and every file matched by its `include_paths`."""
        root = ProjectFile.read(root_dir / filename, editable=editable)
        if not root.data and not root.original_text.strip():
            raise ProjectFileError(
                f"{root.path} is empty", "Write a project into it, or run `meltano init --force`"
            )
        files = cls(
            root=root,
            included=[
                ProjectFile.read(path, editable=editable) for path in include_files(root_dir, root)
            ],
        )
        files.check_no_duplicates()
        return files

    def merged(self) -> dict[str, Any]:
        """A plain deep copy of all files merged: maps merge, lists concatenate."""
        result: dict[str, Any] = {}
        for project_file in self.all:
            _deep_merge(result, _to_plain(project_file.data))
        return result

    def check_no_duplicates(self) -> None:
        """An entry (plugin type+name, environment, schedule, job) may live in one file only."""
        owners: dict[tuple[str, str], Path] = {}
        for project_file in self.all:
            for key, _entry in _named_entries(project_file.data):
                if key in owners:
                    kind, name = key
                    raise ProjectFileError(
                        f"Duplicate plugin name found: {kind} {name!r} is defined in both "
                        f"{owners[key]} and {project_file.path}"
                        if kind in PLUGIN_TYPES
                        else f"Duplicate {kind[:-1]} name found: {name!r} is defined in both "
                        f"{owners[key]} and {project_file.path}",
                        "Keep one definition and remove the other",
                    )
                owners[key] = project_file.path

    def find(self, section: str, name: str) -> tuple[ProjectFile, dict[str, Any]] | None:
        """The file and entry for `section` (a plugin type or a named section) and `name`."""
        for project_file in self.all:
            for (kind, entry_name), entry in _named_entries(project_file.data):
                if kind == section and entry_name == name:
                    return project_file, entry
        return None

    def remove(self, section: str, name: str) -> bool:
        """Delete entry `name` of `jobs` or `schedules` from the file that holds it; an include
        left with nothing in it keeps the empty skeleton. False when no file holds it."""
        found = self.find(section, name)
        if found is None:
            return False
        owner, entry = found
        owner.data[section].remove(entry)
        if owner is not self.root and not any(owner.data.values()):
            owner.data.clear()
            owner.data.update(empty_include())
        return True

    def value_position(self, section: str, name: str, keys: Sequence[str | Named]) -> str | None:
        """`file:line:col` of the value at `keys` inside the entry `name` of `section`, as
        read for editing (ruamel keeps positions); None when the files do not hold it."""
        found = self.find(section, name)
        if found is None:
            return None
        project_file = found[0]
        node: Any = found[1]
        position = None
        for key in keys:
            lc = getattr(node, "lc", None)
            if isinstance(key, Named) and isinstance(node, list):
                index = next((i for i, item in enumerate(node) if _is_named(item, key.name)), None)
                if index is None or lc is None:
                    return None
                position, node = lc.item(index), node[index]
            elif isinstance(key, str) and isinstance(node, Mapping) and key in node and lc:
                position, node = lc.value(key), node[key]
            else:
                return None
        if position is None:
            return None
        line, column = position
        return f"{project_file.path}:{line + 1}:{column + 1}"

    def changed(self) -> list[ProjectFile]:
        """Files whose rendered text differs from what was read."""
        style = document.user_yaml_style()
        return [f for f in self.all if f.render(style) != f.original_text]


@dataclass(frozen=True)
class Named:
    """In `ProjectFiles.value_position` keys: the list item whose `name` is this."""

    name: str


def _is_named(item: Any, name: str) -> bool:
    return isinstance(item, Mapping) and item.get("name") == name


def include_files(root_dir: Path, root: ProjectFile) -> list[Path]:
    """Resolve `include_paths` globs to existing files inside the project, in order."""
    patterns = root.data.get("include_paths") or []
    resolved_root = root_dir.resolve()
    found: list[Path] = []
    for pattern in patterns:
        if Path(str(pattern)).is_absolute():
            raise ProjectFileError(
                f"The include_paths pattern {str(pattern)!r} is an absolute path",
                "Keep included files inside the project directory and name them relative to it",
            )
        for match in sorted(resolved_root.glob(str(pattern).removeprefix("./"))):
            path = match.resolve()
            if path == root.path.resolve() or path in found:
                continue
            if not path.is_relative_to(resolved_root):
                raise ProjectFileError(
                    f"Included file {match} (from pattern {pattern!r}) resolves to {path}, "
                    "outside the project",
                    "Keep included files inside the project directory",
                )
            if not path.is_file():
                shown = match if path == match else f"{match} (resolving to {path})"
                raise ProjectFileError(
                    f"Included path {shown} (from pattern {pattern!r}) is not a regular file",
                    "Narrow the `include_paths` pattern",
                )
            found.append(path)
    return found


def _named_entries(data: Mapping[str, Any]) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
    plugins = data.get("plugins") or {}
    for plugin_type in PLUGIN_TYPES:
        for entry in plugins.get(plugin_type) or []:
            yield (plugin_type, str(entry["name"])), entry
    for section in NAMED_SECTIONS:
        for entry in data.get(section) or []:
            yield (section, str(entry["name"])), entry


def _to_plain(node: Any) -> Any:
    """Drop ruamel's comment-carrying types: plain dicts, lists and scalars."""
    if isinstance(node, Mapping):
        return {str(key): _to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_to_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return copy.deepcopy(node)


def _deep_merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, Mapping):
            _deep_merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list):
            existing.extend(value)
        else:
            target[key] = value


def empty_include() -> dict[str, Any]:
    """What an included file holds once nothing is left in it."""
    data = document.new_map()
    for key, value in _EMPTY_INCLUDE.items():
        data[key] = document.new_map() if isinstance(value, dict) else document.new_seq()
    return data
