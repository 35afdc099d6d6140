"""`select` and `select_filter` patterns turned into metadata rules.

`select` first deselects everything, then applies include patterns, then exclude patterns, so an
exclusion always wins over an inclusion whatever their order in `meltano.yml`. `select_filter`
(and `el --select/--exclude`) only ever deselects whole streams.
"""

from __future__ import annotations

from collections.abc import Sequence

from meltano.core.catalog.metadata import Effect, Rule, breadcrumb_glob
from meltano.core.catalog.patterns import Pattern, glob_matcher, parse_pattern

DESELECT_ALL = "!*.*"


def select_rules(patterns: Sequence[str]) -> list[Rule]:
    """The rules for the `select` extra: deselect all, then includes, then excludes."""
    parsed = [parse_pattern(text) for text in patterns]
    includes = [pattern for pattern in parsed if not pattern.negated]
    excludes = [pattern for pattern in parsed if pattern.negated]
    return [
        _exclude_rule(parse_pattern(DESELECT_ALL)),
        *(_include_rule(pattern) for pattern in includes),
        *(_exclude_rule(pattern) for pattern in excludes),
    ]


def _ancestor_globs(prop: str) -> list[str]:
    """`a.b.c` → `["a", "a.b"]`: the objects that must be selected for `a.b.c` to arrive."""
    parts = prop.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


SELECT: tuple[Effect, ...] = (("selected", True),)
DESELECT: tuple[Effect, ...] = (("selected", False),)


def _include_rule(pattern: Pattern) -> Rule:
    prop = pattern.property or "*"
    matchers = [glob_matcher(breadcrumb_glob(glob)) for glob in (prop, *_ancestor_globs(prop))]

    def include(is_stream: bool, text: str) -> tuple[Effect, ...]:
        if is_stream or any(matches(text) for matches in matchers):
            return SELECT
        return ()

    return Rule(pattern.matches_stream, include)


def _exclude_rule(pattern: Pattern) -> Rule:
    whole_stream = (pattern.property or "*") == "*"
    matches = pattern.breadcrumb_matcher()

    def exclude(is_stream: bool, text: str) -> tuple[Effect, ...]:
        if is_stream:
            return DESELECT if whole_stream else ()
        return DESELECT if matches(text) else ()

    return Rule(pattern.matches_stream, exclude)


def filter_rules(patterns: Sequence[str]) -> list[Rule]:
    """The rule for `select_filter`: deselect streams no include names or an exclude names."""
    parsed = [parse_pattern(text) for text in patterns]
    includes = [pattern for pattern in parsed if not pattern.negated]
    excludes = [pattern for pattern in parsed if pattern.negated]
    if not parsed:
        return []

    def filtered_out(name: str) -> bool:
        missed = bool(includes) and not any(pattern.matches_stream(name) for pattern in includes)
        return missed or any(pattern.matches_stream(name) for pattern in excludes)

    def deselect(is_stream: bool, text: str) -> tuple[Effect, ...]:
        return DESELECT if is_stream else ()

    return [Rule(filtered_out, deselect)]


def runtime_filter(select: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """The `select_filter` that `el --select X --exclude Y` uses for one run: `[X, !Y]`."""
    return [*select, *(f"!{name}" for name in exclude)]
