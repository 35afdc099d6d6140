"""The `metadata` extra: a nested map of stream pattern → [property path →] metadata key → value.

```yaml
metadata:
  users:
    replication-method: INCREMENTAL   # stream level
    name: {is-pii: true}              # property `name`
    address: {city: {custom: x}}      # nested property `address.city`
  '*':
    id: {custom: x}                   # property `id` of every stream
```
The map is flattened by dots: the first segment is the stream glob, the last the metadata key,
and the segments between are the property path (a glob, see `patterns`). The explicit form
`users.properties.name.is-pii` names the same property as `users.name.is-pii`; 4.4.1 matches
nothing with it (quirk 16), we accept both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from meltano.core.catalog.codec import plain
from meltano.core.catalog.metadata import Effect, Rule, breadcrumb_glob
from meltano.core.catalog.patterns import glob_matcher


@dataclass(frozen=True)
class MetadataSetting:
    """One leaf of the `metadata` extra."""

    stream: str
    property_glob: str | None  # dotted property glob; None for a stream-level key
    key: str
    value: object

    @property
    def short_property(self) -> str | None:
        """The property glob with an explicit `properties.` form reduced to the short form."""
        if self.property_glob is None:
            return None
        parts = self.property_glob.split(".")
        if len(parts) % 2 == 0 and all(part == "properties" for part in parts[::2]):
            return ".".join(parts[1::2])
        return self.property_glob


def flatten(
    extra: Mapping[str, object], prefix: str = "", *, keep_empty: bool = False
) -> Iterator[tuple[str, object]]:
    """`{"a": {"b": 1}}` → `("a.b", 1)`; non-mappings (and `{}` with `keep_empty`) are leaves."""
    for key, value in extra.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and (value or not keep_empty):
            yield from flatten(value, dotted, keep_empty=keep_empty)
        else:
            yield dotted, value


def metadata_settings(extra: Mapping[str, object]) -> list[MetadataSetting]:
    """Read the nested `metadata` extra; keys with fewer than two segments are ignored."""
    found = []
    for dotted, value in flatten(extra):
        parts = dotted.split(".")
        if len(parts) < 2:
            continue
        prop = ".".join(parts[1:-1]) or None
        found.append(MetadataSetting(parts[0], prop, parts[-1], value))
    return found


def metadata_rules(extra: Mapping[str, object]) -> list[Rule]:
    """One rule per leaf of the `metadata` extra, in the order they are written."""
    return [_rule(setting) for setting in metadata_settings(extra)]


def _rule(setting: MetadataSetting) -> Rule:
    globs = {glob for glob in (setting.property_glob, setting.short_property) if glob is not None}
    matchers = [glob_matcher(breadcrumb_glob(glob)) for glob in globs]
    effect: tuple[Effect, ...] = ((setting.key, plain(setting.value)),)

    def apply(is_stream: bool, text: str) -> tuple[Effect, ...]:
        if setting.property_glob is None:
            return effect if is_stream else ()
        return effect if any(matches(text) for matches in matchers) else ()

    return Rule(glob_matcher(setting.stream), apply)
