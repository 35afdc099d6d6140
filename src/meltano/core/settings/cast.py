"""Casting and validating setting values per kind (strings from env vars become typed)."""

from __future__ import annotations

import ast
import datetime
import json
import re
from collections.abc import Mapping
from typing import Any

from meltano.core.booleans import is_truthy
from meltano.core.errors import MeltanoError
from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.names import nest

_UNEXPANDED = re.compile(r"\$(\{\w+\}|[A-Za-z_]\w*)")


class SettingValueError(MeltanoError):
    """A value does not fit the kind of its setting.

    Raised without context by `cast`; `located` adds what the caller knows: whose setting it
    is, where the value was set (`meltano.yml:line:col`, a variable) and what to do.
    """

    def __init__(
        self,
        definition: SettingDefinition,
        value: Any,
        expected: str,
        *,
        owner: str | None = None,
        position: str | None = None,
        origin: str | None = None,
    ) -> None:
        self.definition, self.value, self.expected = definition, value, expected
        shown = "(redacted)" if definition.is_secret else repr(value)
        subject = f"{owner} setting" if owner else "Setting"
        reason = f"{subject} '{definition.name}' expects {expected}, got {shown}"
        if position:
            reason = f"{position}: {reason}"
        elif origin:
            reason = f"{reason} ({origin})"
        super().__init__(
            reason,
            "Fix the value at that position in the file"
            if position
            else "Fix the value where it is set (see `meltano config list`) and try again",
        )

    def located(self, *, owner: str, position: str | None, origin: str | None) -> SettingValueError:
        """The same error, saying whose setting it is and where its value was set."""
        return SettingValueError(
            self.definition,
            self.value,
            self.expected,
            owner=owner,
            position=position,
            origin=origin,
        )


def cast(definition: SettingDefinition, value: Any) -> Any:
    """The value as its kind says it should be; raises SettingValueError when it cannot be."""
    if value is None:
        return None
    if isinstance(value, str) and _UNEXPANDED.search(value):
        return value  # still holds a `$VAR`: leave it for the plugin to see as written
    kind = definition.kind
    if kind is Kind.BOOLEAN:
        value = is_truthy(value)
    elif kind is Kind.INTEGER:
        value = _to_int(definition, value)
    elif kind is Kind.DECIMAL:
        value = _to_decimal(definition, value)
    elif kind is Kind.OBJECT:
        value = _parse_structure(definition, value, dict, "a JSON object")
    elif kind is Kind.ARRAY:
        value = _parse_structure(definition, value, list, "a JSON array")
    elif kind is Kind.OPTIONS and definition.options:
        value = _to_option(definition, value)
    return process(definition.value_processor, value)


def process(processor: str | None, value: Any) -> Any:
    """Apply a named `value_processor` (`nest_object`, `upcase_string`, `stringify`)."""
    if processor == "nest_object" and isinstance(value, Mapping):
        return nest({str(k): v for k, v in value.items()})
    if processor == "upcase_string" and isinstance(value, str):
        return value.upper()
    if processor == "stringify" and not isinstance(value, str):
        return json.dumps(value)
    return value


def _to_int(definition: SettingDefinition, value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise SettingValueError(definition, value, "an integer (kind: integer)") from None


def _to_decimal(definition: SettingDefinition, value: Any) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise SettingValueError(definition, value, "a decimal number (kind: decimal)") from None


def _parse_structure(definition: SettingDefinition, value: Any, wanted: type, expected: str) -> Any:
    if not isinstance(value, str):
        if isinstance(value, wanted):
            return value
        raise SettingValueError(definition, value, f"{expected} (kind: {definition.kind})")
    try:
        parsed = json.loads(value)
    except ValueError:
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
    if not isinstance(parsed, wanted):
        raise SettingValueError(definition, value, f"{expected} (kind: {definition.kind})")
    return parsed


def _to_option(definition: SettingDefinition, value: Any) -> Any:
    choices = [option.get("value") for option in definition.options]
    if value in choices:
        return value
    for choice in choices:  # env vars are text: accept `DEBUG` for `debug`, `5` for 5
        if str(choice).lower() == str(value).strip().lower():
            return choice
    shown = "(redacted)" if definition.is_secret else repr(value)
    raise MeltanoError(
        f"{shown} is not a valid choice for '{definition.name}'",
        f"Use one of: {', '.join(repr(c) for c in choices)}",
    )


def post_process(definition: SettingDefinition, value: Any) -> Any:
    """The value as the plugin gets it: `value_post_processor`, or date parsing for dates."""
    if definition.value_post_processor:
        if definition.value_post_processor == "parse_date":
            return parse_date(value)
        return process(definition.value_post_processor, value)
    if definition.kind is Kind.DATE_ISO8601:
        return parse_date(value)
    return value


_RELATIVE = re.compile(r"^(\d+)\s+(second|minute|hour|day|week|month|year)s?\s+ago$")
_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}


def parse_date(value: Any) -> Any:
    """ISO dates stay as written; `today`, `yesterday`, `3 days ago` become ISO timestamps."""

    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    try:
        datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return value
    except ValueError:
        pass
    now = datetime.datetime.now()
    offsets = {"now": 0, "today": 0, "yesterday": -86400, "tomorrow": 86400}
    if text in offsets:
        return (now + datetime.timedelta(seconds=offsets[text])).isoformat()
    match = _RELATIVE.match(text)
    if match:
        seconds = int(match.group(1)) * _SECONDS[match.group(2)]
        return (now - datetime.timedelta(seconds=seconds)).isoformat()
    return value
