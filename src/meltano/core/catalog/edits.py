"""Edits of an extractor's `select` list, as `meltano select` makes them inside `project.edit()`.

4.4.1 appends a pattern again when it is already present and fails with an empty message when
asked to remove one that is not (quirk 27); we keep the list free of duplicates and say which
pattern was missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from meltano.core.errors import MeltanoError


class PatternNotFoundError(MeltanoError):
    """`meltano select --rm` named a pattern the extractor does not have."""

    def __init__(self, plugin_name: str, pattern: str, patterns: Sequence[str]) -> None:
        known = ", ".join(patterns) if patterns else "none"
        super().__init__(
            f"Pattern {pattern!r} not found in the `select` list of {plugin_name} "
            f"(it has: {known})",
            f"Give the pattern exactly as `meltano select {plugin_name} --list` shows it "
            "under 'Enabled patterns'",
        )
        self.pattern = pattern


def add_pattern(patterns: Sequence[str], pattern: str) -> list[str]:
    """The list with `pattern` appended, unless it is already there."""
    return list(patterns) if pattern in patterns else [*patterns, pattern]


def remove_pattern(patterns: Sequence[str], pattern: str, *, plugin_name: str) -> list[str]:
    """The list without `pattern` (every copy of it); an error if it is not there."""
    if pattern not in patterns:
        raise PatternNotFoundError(plugin_name, pattern, patterns)
    return [existing for existing in patterns if existing != pattern]
