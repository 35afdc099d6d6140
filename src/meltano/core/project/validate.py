"""Check a project file against our JSON Schema and report the first problem by position."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from meltano.core.errors import ProjectFileError, close_matches
from meltano.core.plugins.types import PLUGIN_TYPES


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of `meltano.yml`, shipped with the package."""
    text = Path(__file__).with_name("meltano.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _position(document: Any, path: Sequence[str | int]) -> tuple[int, int]:
    """1-based line and column of the node at `path`, as near as the document knows."""
    line, column = 0, 0
    node = document
    for key in path:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None:
                if isinstance(key, int):
                    line, column = lc.item(key)
                else:
                    line, column = lc.key(key)
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
    return line + 1, column + 1


def _location(path: Sequence[str | int]) -> str:
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    return text.lstrip(".") or "top level"


def _fail(
    file: Path, document: Any, path: Sequence[str | int], message: str, instruction: str
) -> ProjectFileError:
    line, column = _position(document, path)
    return ProjectFileError(f"{file}:{line}:{column}: {message}", instruction)


def _known_keys(definition: Mapping[str, Any]) -> list[str]:
    return list(definition.get("properties", {}))


def _check_typos(
    file: Path, document: Any, node: Any, path: list[str | int], known: Iterable[str]
) -> None:
    """Unknown keys that look like a known one are typos; other unknown keys are kept as is."""
    if not isinstance(node, Mapping):
        return
    known = list(known)
    for key in node:
        if not isinstance(key, str) or key in known:
            continue
        close = close_matches(key, known, n=1, cutoff=0.8)
        if close:
            raise _fail(
                file,
                document,
                [*path, key],
                f"unknown key {key!r} in {_location(path)}",
                f"Did you mean {close[0]!r}?",
            )


def _check_all_typos(file: Path, document: Mapping[str, Any]) -> None:
    defs = schema()["$defs"]
    top = schema()["properties"]
    _check_typos(file, document, document, [], top)
    plugins = document.get("plugins")
    if isinstance(plugins, Mapping):
        for plugin_type, entries in plugins.items():
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                where: list[str | int] = ["plugins", plugin_type, index]
                _check_typos(file, document, entry, where, _known_keys(defs["plugin"]))
                _check_container_typos(file, document, entry, where)
                settings = entry.get("settings") if isinstance(entry, Mapping) else None
                for position, setting in enumerate(settings if isinstance(settings, list) else []):
                    _check_typos(
                        file,
                        document,
                        setting,
                        [*where, "settings", position],
                        _known_keys(defs["setting"]),
                    )
    for section in ("environments", "schedules", "jobs"):
        entries = document.get(section)
        item_schema = top[section]["items"]
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            _check_typos(file, document, entry, [section, index], _known_keys(item_schema))


def _check_container_typos(file: Path, document: Any, entry: Any, where: list[str | int]) -> None:
    """Keys of `container_spec`, on the plugin and on each of its commands."""
    if not isinstance(entry, Mapping):
        return
    known = _known_keys(schema()["$defs"]["container_spec"])
    places: list[tuple[Any, list[str | int]]] = [
        (entry.get("container_spec"), [*where, "container_spec"])
    ]
    commands = entry.get("commands")
    for name, command in (commands or {}).items() if isinstance(commands, Mapping) else ():
        if isinstance(command, Mapping):
            places.append(
                (command.get("container_spec"), [*where, "commands", name, "container_spec"])
            )
    for spec, path in places:
        _check_typos(file, document, spec, path, known)


def _check_duplicates(file: Path, document: Mapping[str, Any]) -> None:
    plugins = document.get("plugins")
    if isinstance(plugins, Mapping):
        for plugin_type, entries in plugins.items():
            seen: set[str] = set()
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                name = entry.get("name") if isinstance(entry, Mapping) else None
                if name in seen:
                    raise _fail(
                        file,
                        document,
                        ["plugins", plugin_type, index],
                        f"duplicate plugin name {name!r} among {plugin_type}",
                        "Give each plugin of a type its own name, or use `inherit_from`",
                    )
                if isinstance(name, str):
                    seen.add(name)
    for section in ("environments", "schedules", "jobs"):
        entries = document.get(section)
        seen = set()
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            name = entry.get("name") if isinstance(entry, Mapping) else None
            if name in seen:
                raise _fail(
                    file,
                    document,
                    [section, index],
                    f"duplicate name {name!r} in {section}",
                    "Give each entry its own name",
                )
            if isinstance(name, str):
                seen.add(name)


def _schema_message(error: Any) -> tuple[str, str]:
    validator = error.validator
    if validator == "required":
        return error.message, "Add the missing key"
    if validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return (
            f"expected {expected}, found {type(error.instance).__name__} {error.instance!r}",
            "Change the value to the expected type",
        )
    if validator == "additionalProperties" and list(error.absolute_path)[-1:] == ["plugins"]:
        unknown = [key for key in error.instance if key not in PLUGIN_TYPES]
        close = close_matches(unknown[0], PLUGIN_TYPES, n=1, cutoff=0.6) if unknown else []
        hint = f"Did you mean {close[0]!r}?" if close else f"Use one of: {', '.join(PLUGIN_TYPES)}"
        return f"unknown plugin type {unknown[0]!r}" if unknown else error.message, hint
    if validator == "pattern":
        if ":" in str(error.instance):
            return f"{error.instance!r} must not contain ':'", "Rename it without ':'"
        return (
            f"{error.instance!r} is not a valid name",
            "Names must not be `.` or `..` or contain `/`, `\\` or `:`",
        )
    if validator == "enum":
        return (
            f"{error.instance!r} is not one of {', '.join(map(str, error.validator_value))}",
            "Use one of the listed values",
        )
    return error.message, "Fix the value at that position"


def validate_document(file: Path, document: Mapping[str, Any]) -> None:
    """Raise `ProjectFileError` naming file:line:col for the first problem in `document`."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(schema())
    errors = sorted(
        validator.iter_errors(document),
        key=lambda e: (len(e.absolute_path), [str(p) for p in e.absolute_path]),
    )
    if errors:
        first = errors[0]
        if first.validator == "anyOf":  # a command is text or a mapping: say what is wrong inside
            first = best_match([first])
        path = list(first.absolute_path)
        if first.validator == "additionalProperties" and path[-1:] == ["plugins"]:
            unknown = [k for k in first.instance if k not in PLUGIN_TYPES]
            path = [*path, unknown[0]] if unknown else path
        message, instruction = _schema_message(first)
        raise _fail(file, document, path, f"{message} (at {_location(path)})", instruction)
    _check_all_typos(file, document)
    _check_duplicates(file, document)


def _cache_dir() -> Path | None:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "meltano" / "validated"


def validate_text(file: Path, document: Mapping[str, Any], text: str) -> None:
    """`validate_document`, skipped when this exact text passed before with this schema.

    Validation imports jsonschema and walks the whole document on every command; a marker
    file named after the hash of the schema and the text remembers that it passed.
    """
    digest = hashlib.sha256(
        json.dumps(schema(), sort_keys=True).encode() + b"\0" + text.encode()
    ).hexdigest()
    cache = _cache_dir()
    marker = cache / digest if cache is not None else None
    if marker is not None and marker.exists():
        return
    validate_document(file, document)
    if marker is not None:
        with contextlib.suppress(OSError):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
