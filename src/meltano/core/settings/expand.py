"""`$VAR` / `${VAR}` expansion inside setting values (pure: the caller passes the env)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from meltano.core.errors import MeltanoError

# `\` (group 1) escapes; `${name}` (group 2) takes any word; bare `$NAME` (3) upper-case only.
_REFERENCE = re.compile(r"(\\?)\$(?:\{(\w+)\}|([A-Z][A-Z0-9_]*))")


class MissingVariableError(MeltanoError):
    """Strict mode: a `$VAR` referenced in a value is not set anywhere."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Environment variable '{name}' referenced but not set. "
            "Make sure the environment variable is set",
            "Set it in the environment or `.env`, or turn off `ff.strict_env_var_mode`",
        )


def expand(
    value: Any,
    env: Mapping[str, str],
    *,
    strict: bool = False,
    missing: list[str] | None = None,
) -> Any:
    """Replace references in strings, lists and maps; missing names become "" (or raise).

    Names that were missing are appended to `missing` so the caller can log them. A string
    that expands to nothing at all becomes None, so the setting reads as unset.
    """
    if isinstance(value, str):
        return expand_text(value, env, strict=strict, missing=missing)
    if isinstance(value, list):
        return [expand(item, env, strict=strict, missing=missing) for item in value]
    if isinstance(value, Mapping):
        return {k: expand(v, env, strict=strict, missing=missing) for k, v in value.items()}
    return value


def expand_text(
    text: str,
    env: Mapping[str, str],
    *,
    strict: bool = False,
    missing: list[str] | None = None,
) -> str | None:
    """Expand one string; see `expand`."""

    def replace(match: re.Match[str]) -> str:
        escaped, braced, bare = match.groups()
        if escaped:
            return match.group(0)[1:]
        name = braced or bare
        if name in env:
            return env[name]
        if strict:
            raise MissingVariableError(name)
        if missing is not None:
            missing.append(name)
        return ""

    result = _REFERENCE.sub(replace, text)
    return None if text and not result else result


def references(text: str) -> list[str]:
    """Names a string refers to (escaped references excluded)."""
    return [m.group(2) or m.group(3) for m in _REFERENCE.finditer(text) if not m.group(1)]
