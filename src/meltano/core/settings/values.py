"""After `resolve`: expand `$VAR`s in values typed into meltano.yml, then cast by kind."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from meltano.core.settings.cast import cast
from meltano.core.settings.definitions import SettingDefinition
from meltano.core.settings.expand import expand
from meltano.core.settings.resolve import Resolved


def finish(
    definitions: Sequence[SettingDefinition],
    resolved: Mapping[str, Resolved],
    env: Mapping[str, str],
    *,
    strict: bool = False,
    missing: list[str] | None = None,
) -> dict[str, Resolved]:
    """Expand and cast every resolved value; remember the raw text when expansion changed it."""
    result: dict[str, Resolved] = {}
    for definition in definitions:
        item = resolved[definition.name]
        value: Any = item.value
        raw = None
        if item.source.is_expandable and value is not None:
            value = expand(value, env, strict=strict, missing=missing)
            raw = item.value if value != item.value else None
        result[definition.name] = dataclasses.replace(item, value=cast(definition, value), raw=raw)
    return result
