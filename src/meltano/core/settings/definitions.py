"""Setting definitions: what a setting is called, its kind, default and how it is shown."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from meltano.core.errors import MeltanoError
from meltano.core.settings.names import canonical


class Kind(str, enum.Enum):
    """Setting kinds; deprecated `password`, `oauth` and `hidden` become flags when read."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DECIMAL = "decimal"
    DATE_ISO8601 = "date_iso8601"
    EMAIL = "email"
    OPTIONS = "options"
    FILE = "file"
    ARRAY = "array"
    OBJECT = "object"


DEPRECATED_SECRET_KINDS = ("password", "oauth")


class SettingDefinitionError(MeltanoError):
    """A setting definition in meltano.yml or a lock file is malformed."""


@dataclass(frozen=True)
class SettingDefinition:
    """One setting: its name (dots nest), how it is read and written, and how it is shown."""

    name: str
    kind: Kind | None = None
    value: Any = None  # the default
    aliases: tuple[str, ...] = ()
    env: str | None = None  # extra variable written into the plugin's process
    env_aliases: tuple[str, ...] = ()
    options: tuple[Mapping[str, Any], ...] = ()
    label: str | None = None
    description: str | None = None
    documentation: str | None = None
    sensitive: bool = False
    hidden: bool = False
    env_specific: bool = False
    value_processor: str | None = None
    value_post_processor: str | None = None
    custom: bool = False  # made up for a config key that has no definition
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_extra(self) -> bool:
        """Extras (`_select`, ...) are handled by Meltano and live beside `config`."""
        return self.name.startswith("_")

    @property
    def is_secret(self) -> bool:
        return self.sensitive

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, owner: str = "") -> SettingDefinition:
        """Read a definition as written in meltano.yml or a lock file."""
        if not isinstance(data, Mapping) or not data.get("name"):
            raise SettingDefinitionError(
                f"A setting definition{_of(owner)} has no name: {data!r}",
                "Give every entry under `settings:` a `name`",
            )
        name = canonical(str(data["name"]))
        kind_text = data.get("kind")
        sensitive = bool(data.get("sensitive", False))
        hidden = bool(data.get("hidden", False))
        kind: Kind | None = None
        if kind_text in DEPRECATED_SECRET_KINDS:
            kind, sensitive = Kind.STRING, True
        elif kind_text == "hidden":
            kind, hidden = Kind.STRING, True
        elif kind_text is not None:
            try:
                kind = Kind(str(kind_text))
            except ValueError:
                known = ", ".join(k.value for k in Kind)
                raise SettingDefinitionError(
                    f"Setting '{name}'{_of(owner)} has unknown kind {kind_text!r}",
                    f"Use one of: {known}",
                ) from None
        known_keys = {f for f in cls.__dataclass_fields__ if f not in ("custom", "extra")}
        return cls(
            name=name,
            kind=kind,
            value=data.get("value"),
            aliases=tuple(canonical(str(a)) for a in data.get("aliases") or ()),
            env=str(data["env"]) if data.get("env") else None,
            env_aliases=tuple(str(a) for a in data.get("env_aliases") or ()),
            options=tuple(_option(o) for o in data.get("options") or ()),
            label=_text(data.get("label")),
            description=_text(data.get("description")),
            documentation=_text(data.get("documentation")),
            sensitive=sensitive,
            hidden=hidden,
            env_specific=bool(data.get("env_specific", False)),
            value_processor=_text(data.get("value_processor")),
            value_post_processor=_text(data.get("value_post_processor")),
            extra={k: v for k, v in data.items() if k not in known_keys and k != "kind"},
        )

    @classmethod
    def custom_for(cls, name: str, value: Any) -> SettingDefinition:
        """The implicit definition of a config key nobody declared; kind inferred from YAML."""
        return cls(name=canonical(name), kind=infer_kind(value), custom=True)


def infer_kind(value: Any) -> Kind | None:
    """bool -> boolean, int -> integer, float -> decimal, map -> object, list -> array."""
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, int):
        return Kind.INTEGER
    if isinstance(value, float):
        return Kind.DECIMAL
    if isinstance(value, Mapping):
        return Kind.OBJECT
    if isinstance(value, list):
        return Kind.ARRAY
    return None


def merge_definitions(
    base: Sequence[SettingDefinition], overrides: Sequence[SettingDefinition]
) -> tuple[SettingDefinition, ...]:
    """Same name: the override replaces the base definition in place; others are appended."""
    by_name = {d.name: d for d in overrides}
    merged = [by_name.pop(d.name, d) for d in base]
    return (*merged, *(d for d in overrides if d.name in by_name))


def find_definition(
    definitions: Sequence[SettingDefinition], name: str
) -> SettingDefinition | None:
    """The definition called `name`, or having `name` as an alias."""
    wanted = canonical(name)
    for definition in definitions:
        if definition.name == wanted or wanted in definition.aliases:
            return definition
    return None


def _option(option: Any) -> Mapping[str, Any]:
    if isinstance(option, Mapping):
        return dict(option)
    return {"label": str(option), "value": option}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _of(owner: str) -> str:
    return f" of {owner}" if owner else ""
