"""`state list --pattern`: one glob syntax (`*` any run, `?` one character), two translations."""

from __future__ import annotations

import re

LIKE_ESCAPE = "\\"


def to_regex(pattern: str) -> re.Pattern[str]:
    """A regular expression matching whole state IDs; every other character is literal."""
    parts = [".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern]
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str | None, state_id: str) -> bool:
    """Whether `state_id` matches the glob (no pattern matches everything)."""
    return pattern is None or to_regex(pattern).fullmatch(state_id) is not None


def to_like(pattern: str) -> str:
    """The SQL LIKE form (use with ESCAPE LIKE_ESCAPE): `_` and `%` in IDs stay literal."""
    out = []
    for char in pattern:
        if char in ("%", "_", LIKE_ESCAPE):
            out.append(LIKE_ESCAPE + char)
        elif char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        else:
            out.append(char)
    return "".join(out)
