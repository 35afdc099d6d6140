"""The shape of meltano.yml plugin entries written by `meltano add` (pure functions).

Key order, dropped empty values, setting definitions in Meltano's order, and the entries of
Hub, inheriting and custom plugins.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError
from meltano.core.plugins.definition import CONTAINER_KEY_ORDER
from meltano.core.project import document

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

    from meltano.core.plugins.definition import PluginDefinition

ENTRY_ORDER = (
    "name",
    "inherit_from",
    "namespace",
    "label",
    "description",
    "logo_url",
    "hidden",
    "variant",
    "pip_url",
    "python",
    "executable",
    "capabilities",
    "settings_group_validation",
    "settings",
    "commands",
    "container_spec",
    "requires",
    "requires_meltano",
    "env",
    "config",
)
CUSTOM_ORDER = (
    "name",
    "namespace",
    "variant",
    "docs",
    "repo",
    "pip_url",
    "executable",
    "description",
    "logo_url",
    "capabilities",
    "settings_group_validation",
    "settings",
    "commands",
    "container_spec",
    "requires",
    "requires_meltano",
    "env",
    "config",
)
SETTING_ORDER = (
    "name",
    "aliases",
    "env",
    "env_aliases",
    "kind",
    "value",
    "label",
    "documentation",
    "description",
    "tooltip",
    "options",
    "oauth",
    "placeholder",
    "env_specific",
    "hidden",
    "sensitive",
    "value_processor",
    "value_post_processor",
)
SETTING_KINDS = (
    "string",
    "integer",
    "boolean",
    "decimal",
    "date_iso8601",
    "email",
    "password",
    "oauth",
    "options",
    "file",
    "array",
    "object",
    "hidden",
)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def ordered_entry(data: Mapping[str, Any], order: Sequence[str]) -> CommentedMap:
    """A meltano.yml entry with keys in Meltano's order and empty values dropped."""
    entry = document.new_map()
    for key in order:
        if key in data and not is_empty(data[key]):
            entry[key] = _yaml_value(key, data[key])
    for key, value in data.items():
        if key not in entry and key not in order and not is_empty(value):
            entry[key] = _yaml_value(key, value)
    return entry


def _yaml_value(key: str, value: Any) -> Any:
    if key == "settings" and isinstance(value, list):
        seq = document.new_seq()
        for setting in value:
            seq.append(
                ordered_entry(setting, SETTING_ORDER) if isinstance(setting, Mapping) else setting
            )
        return seq
    if key == "container_spec" and isinstance(value, Mapping):
        first = {k: value[k] for k in CONTAINER_KEY_ORDER if k in value}
        value = {**first, **{k: v for k, v in value.items() if k not in first}}
    if isinstance(value, Mapping):
        mapping = document.new_map()
        for k, v in value.items():
            mapping[k] = _yaml_value(str(k), v)
        return mapping
    if isinstance(value, list):
        seq = document.new_seq()
        seq.extend(_yaml_value("", item) for item in value)
        return seq
    return value


def python_for(definition: PluginDefinition, chosen: str | None) -> str | None:
    """`python:` to store: the user's choice, else the newest supported one when ours is not."""
    if chosen:
        return chosen
    supported = list(definition.supported_python_versions)
    running = ".".join(platform.python_version_tuple()[:2])
    if not supported or running in supported:
        return None
    newest = max(supported, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))
    return f"python{newest}"


def hub_entry(definition: PluginDefinition, *, python: str | None) -> dict[str, Any]:
    """The entry of a shadowing Hub plugin: name, variant, pip_url (and python)."""
    return {
        "name": definition.name,
        "variant": definition.variant,
        "pip_url": definition.pip_url,
        "python": python,
    }


def parse_custom_settings(text: str) -> list[dict[str, Any]]:
    """`user,pass:password` -> setting definitions; unknown kinds are an error."""
    settings: list[dict[str, Any]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, kind = item.partition(":")
        setting: dict[str, Any] = {"name": name.strip()}
        if kind:
            kind = kind.strip()
            if kind not in SETTING_KINDS:
                raise MeltanoError(
                    f"Unknown setting kind {kind!r} for {name!r}",
                    f"Use one of: {' | '.join(SETTING_KINDS)}",
                )
            setting["kind"] = kind
            if kind == "password":
                setting["sensitive"] = True
        settings.append(setting)
    return settings


def custom_entry(
    name: str,
    *,
    namespace: str,
    pip_url: str | None,
    executable: str | None,
    capabilities: Sequence[str],
    settings: Sequence[Mapping[str, Any]],
    python: str | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "pip_url": pip_url,
        "executable": executable,
        "capabilities": list(capabilities),
        "settings": list(settings),
        "python": python,
    }
