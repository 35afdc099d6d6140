"""Apply an extractor's catalog rules, in 4.4.1's order (later wins).

1. `schema` extra; 2. `select` (deselect all, includes, excludes); 3. `metadata` extra;
4. `select_filter`. A custom catalog (`catalog` extra, `el --catalog`) only gets step 4.

Each step only ever looks at one stream, so `CompiledRules` reads the rules once (patterns
compiled, values copied) and then shapes one stream at a time: a catalog never has to be whole
in memory. `apply_rules` does the same for a catalog that is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from meltano.core.catalog.codec import decode
from meltano.core.catalog.metadata import (
    Catalog,
    Pass,
    Stream,
    StreamEntries,
    property_paths,
    stream_id,
    streams,
)
from meltano.core.catalog.metadata_extra import metadata_rules, metadata_settings
from meltano.core.catalog.patterns import parse_pattern
from meltano.core.catalog.schema_extra import SchemaRules
from meltano.core.catalog.select import filter_rules, select_rules

DEFAULT_SELECT = ("*.*",)


@dataclass(frozen=True)
class CatalogRules:
    """The catalog-shaping extras of one extractor, as resolved for one run."""

    select: Sequence[str] = DEFAULT_SELECT
    metadata: Mapping[str, object] = field(default_factory=dict)
    schema: Mapping[str, object] = field(default_factory=dict)
    select_filter: Sequence[str] = ()


@dataclass(frozen=True)
class RulesOutcome:
    """The catalog after the rules, and what the user should hear about rules matching nothing."""

    catalog: Catalog
    warnings: tuple[str, ...]


class RuleWarnings:
    """Warnings for `select` patterns and `metadata` keys that name a missing stream or property.

    Like 4.4.1, only names without `*` are checked (a glob matching nothing is not an error),
    and an include pattern is also checked for the parents it selects. Streams are offered one
    by one after the rules (`see`); only the ones a rule names are remembered.
    """

    def __init__(self, rules: CatalogRules) -> None:
        selects = [parse_pattern(text) for text in rules.select]
        named = [(p.stream, p.property, True) for p in selects if not p.negated]
        named += [(p.stream, p.property, False) for p in selects if p.negated]
        named += [(m.stream, m.short_property, False) for m in metadata_settings(rules.metadata)]
        self.named = named
        self.streams = {name for name, _, _ in named if "*" not in name}
        self.paths: dict[str, set[str]] = {}  # stream name: its property paths (the last stream)

    def see(self, stream: Stream) -> None:
        name = stream_id(stream)
        if name in self.streams:
            self.paths[name] = {".".join(path) for path in property_paths(stream.get("schema"))}

    def warnings(self) -> tuple[str, ...]:
        found: list[str] = []
        for stream_name, prop, with_parents in self.named:
            if "*" in stream_name:
                continue
            paths = self.paths.get(stream_name)
            if paths is None:
                found.append(f"Stream `{stream_name}` was not found in the catalog")
                continue
            if prop is None or "*" in prop:
                continue
            parts = prop.split(".")
            for end in range(len(parts), 0 if with_parents else len(parts) - 1, -1):
                missing = ".".join(parts[:end])
                if missing not in paths:
                    found.append(
                        f"Property `{missing}` was not found in the schema of stream "
                        f"`{stream_name}`"
                    )
        return tuple(dict.fromkeys(found))


class CompiledRules:
    """The rules of one run, ready to shape streams one at a time."""

    def __init__(self, rules: CatalogRules, *, custom_catalog: bool = False) -> None:
        self.schema = SchemaRules({} if custom_catalog else rules.schema)
        self.passes: list[Pass] = []
        if not custom_catalog:
            self.passes += [Pass(select_rules(rules.select)), Pass(metadata_rules(rules.metadata))]
        if rules.select_filter:
            self.passes.append(Pass(filter_rules(rules.select_filter)))
        self.checks = None if custom_catalog else RuleWarnings(rules)

    def shape(self, stream: Stream) -> StreamEntries | None:
        """Apply every rule to one stream, in place; return its entries (None without rules)."""
        self.schema.apply(stream)
        known = StreamEntries(stream) if self.passes else None
        for rules_pass in self.passes:
            assert known is not None
            rules_pass.visit(stream, known)
        if self.checks is not None:
            self.checks.see(stream)
        if known is not None:
            known.refresh()
        return known

    def warnings(self) -> tuple[str, ...]:
        """The warnings about the streams shaped so far (all of them, once they are done)."""
        return () if self.checks is None else self.checks.warnings()


def apply_rules(
    catalog: Catalog, rules: CatalogRules, *, custom_catalog: bool = False
) -> RulesOutcome:
    """Return a new catalog with the rules applied; the input is left as it was."""
    result: Catalog = decode(json.dumps(catalog))  # a deep copy, several times faster
    compiled = CompiledRules(rules, custom_catalog=custom_catalog)
    for stream in streams(result):
        compiled.shape(stream)
    return RulesOutcome(result, compiled.warnings())
