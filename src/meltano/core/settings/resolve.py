"""Pick each setting's value from the highest-precedence store that has it (pure)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meltano.core.errors import MeltanoError
from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.names import nest


class Source(enum.IntEnum):
    """Where a setting value came from. Lower numbers win."""

    OVERRIDE = enum.auto()  # set by code for a single invocation
    ENV = enum.auto()
    DOTENV = enum.auto()
    ENVIRONMENT = enum.auto()  # the active `environments:` entry
    MELTANO_YML = enum.auto()
    SYSTEM_DB = enum.auto()
    INHERITED = enum.auto()  # from the plugin named in `inherit_from`
    DEFAULT = enum.auto()

    @property
    def is_expandable(self) -> bool:
        """Only values typed into meltano.yml (and defaults) may reference `$VAR`s."""
        return self in (Source.ENVIRONMENT, Source.MELTANO_YML, Source.DEFAULT)


@dataclass(frozen=True)
class Found:
    """A value in one store, and where exactly (an env var name, a parent plugin)."""

    value: Any
    where: str | None = None
    null: bool = False  # an explicit `null` inside a nested value: a value, not a gap


@dataclass(frozen=True)
class Resolved:
    """A setting's value and the store it came from."""

    value: Any
    source: Source
    where: str | None = None  # env var name or parent plugin name, for labels
    raw: Any = None  # the text before `$VAR` expansion, when expansion changed it
    null: bool = False  # an explicit nested `null` (`stream_maps.users.email: null`)

    @property
    def is_sent(self) -> bool:
        """Whether the plugin's config file carries this value: set, or an explicit null."""
        return self.value is not None or self.null

    def label(self) -> str:
        """How `config list` names the source."""
        if self.source in (Source.ENV, Source.DOTENV):
            place = "the environment" if self.source is Source.ENV else "`.env`"
            return f"from the {self.where} variable in {place}"
        return {
            Source.OVERRIDE: "from a command line flag",
            Source.ENVIRONMENT: "from the active environment in `meltano.yml`",
            Source.MELTANO_YML: "from `meltano.yml`",
            Source.SYSTEM_DB: "from the system database",
            Source.INHERITED: f"inherited from '{self.where}'",
            Source.DEFAULT: "default",
        }[self.source]


Layer = Mapping[str, Any]  # setting name -> value (or Found)


def resolve(
    definitions: Sequence[SettingDefinition], layers: Mapping[Source, Layer]
) -> dict[str, Resolved]:
    """Give each setting the non-null value from the highest-precedence layer that has it."""
    ordered = sorted(layers.items())
    result: dict[str, Resolved] = {}
    for definition in definitions:
        result[definition.name] = next(
            (
                Resolved(found.value, source, found.where, null=found.null)
                for source, values in ordered
                if (found := _found(values.get(definition.name))) is not None
            ),
            Resolved(definition.value, Source.DEFAULT),
        )
    return result


def _found(entry: Any) -> Found | None:
    if entry is None:
        return None
    found = entry if isinstance(entry, Found) else Found(entry)
    return None if found.value is None and not found.null else found


class ConflictingValuesError(MeltanoError):
    """The same setting is given twice in one store, under two spellings, with two values."""


def pick_spelling(
    store: Mapping[str, Any], spellings: Sequence[str], *, store_label: str, secret: bool
) -> Found | None:
    """The value given under any of a setting's spellings (name, aliases, env var names).

    Two spellings with different values are an error; the same value twice is fine.
    """
    present = [(s, store[s]) for s in spellings if s in store and store[s] is not None]
    if not present:
        return None
    first_value = present[0][1]
    if any(value != first_value for _, value in present[1:]):
        names = [s for s, _ in present]
        values = "" if secret else f" ({', '.join(repr(v) for _, v in present)})"
        raise ConflictingValuesError(
            f"Conflicting values for setting found in: {names} in {store_label}{values}",
            "Keep only one of these spellings",
        )
    return Found(first_value, present[0][0])


def assemble_objects(
    definitions: Sequence[SettingDefinition],
    layers: Mapping[Source, Layer],
    resolved: Mapping[str, Resolved],
) -> dict[str, Resolved]:
    """Object settings left at their default/inherited value take children set elsewhere.

    `obj.a: 1` in meltano.yml plus `obj.b` in the system DB make `obj` = {a: 1, b: ...};
    each child comes from its highest-precedence store, and the best store names the source.
    """

    result = dict(resolved)
    for definition in definitions:
        current = resolved[definition.name]
        if definition.kind is not Kind.OBJECT or current.source < Source.INHERITED:
            continue
        prefix = f"{definition.name}."
        children: dict[str, Any] = {}
        best: Source | None = None
        for source, values in sorted(layers.items()):
            for key, entry in values.items():
                found = _found(entry)
                if found is None or not key.startswith(prefix) or key[len(prefix) :] in children:
                    continue
                children[key[len(prefix) :]] = found.value
                best = source if best is None else min(best, source)
        if children and best is not None:
            base = current.value if isinstance(current.value, Mapping) else {}
            result[definition.name] = Resolved({**base, **nest(children)}, best)
    return result
