"""The one reading of a boolean-ish value: a setting, an environment variable, a YAML flag."""

from __future__ import annotations

#: The words that mean "on", compared lower-cased and stripped; anything else is off.
#: 4.4.1 reads `MELTANO_PROJECT_READONLY=t` or `=y` as off, so `t` and `y` are not here.
TRUTHY = ("true", "1", "yes", "on")


def is_truthy(value: object) -> bool:
    """Whether `value` means "on": a bool is itself, anything else is read as text."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUTHY
