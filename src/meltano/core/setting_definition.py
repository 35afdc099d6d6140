"""4.4.1's import path for setting definitions, for add-ons written against it.

Part of the small compatibility surface for state backend add-ons (docs/state.md): add-ons
declare `SettingDefinition(name="state_backend.<scheme>.<key>", kind=SettingKind.STRING,
value=..., label=..., description=..., sensitive=..., env_specific=...)` with 4.4.1's keyword
arguments, and get one of our setting definitions (settings/definitions.py), which
settings/addons.py finds through their entry points. Only add-ons import this module.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import Any

from meltano.core.settings.definitions import SettingDefinition as _Ours

__all__ = ["SettingDefinition", "SettingKind"]


class SettingKind(str, enum.Enum):
    """4.4.1's setting kinds; `password`, `oauth` and `hidden` become flags on our definition."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DECIMAL = "decimal"
    DATE_ISO8601 = "date_iso8601"
    EMAIL = "email"
    PASSWORD = "password"
    OAUTH = "oauth"
    OPTIONS = "options"
    FILE = "file"
    ARRAY = "array"
    OBJECT = "object"
    HIDDEN = "hidden"

    def __str__(self) -> str:
        return self.value


class SettingDefinition(_Ours):
    """Our SettingDefinition, built with the keyword arguments 4.4.1's constructor takes."""

    def __init__(  # 4.4.1's constructor, keyword for keyword
        self,
        *,
        name: str,
        aliases: list[str] | None = None,
        env: str | None = None,
        env_aliases: list[str] | None = None,
        kind: str | None = None,
        value: Any = None,
        label: str | None = None,
        documentation: str | None = None,
        description: str | None = None,
        tooltip: str | None = None,
        options: list[Any] | None = None,
        oauth: dict[str, Any] | None = None,
        placeholder: str | None = None,
        env_specific: bool | None = None,
        hidden: bool | None = None,
        sensitive: bool | None = None,
        custom: bool = False,
        value_processor: str | None = None,
        value_post_processor: str | Callable[..., Any] | None = None,
        **attrs: Any,
    ) -> None:
        given = {
            "name": name,
            "aliases": aliases,
            "env": env,
            "env_aliases": env_aliases,
            "kind": kind.value if isinstance(kind, enum.Enum) else kind,
            "value": value,
            "label": label,
            "documentation": documentation,
            "description": description,
            "tooltip": tooltip,
            "options": options,
            "oauth": oauth,
            "placeholder": placeholder,
            "env_specific": env_specific,
            "hidden": hidden,
            "sensitive": sensitive,
            "value_processor": value_processor,
            # a callable post-processor is 4.4.1-internal; only named ones mean anything here
            "value_post_processor": value_post_processor
            if isinstance(value_post_processor, str)
            else None,
            **attrs,
        }
        parsed = _Ours.from_dict({k: v for k, v in given.items() if v is not None})
        for item in dataclasses.fields(_Ours):
            object.__setattr__(self, item.name, getattr(parsed, item.name))
        object.__setattr__(self, "custom", custom)
