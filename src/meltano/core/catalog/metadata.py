"""Metadata entries of a catalog stream, and the pass that writes rules into them.

A Singer stream carries a `metadata` list of `{"breadcrumb": [...], "metadata": {...}}` entries:
breadcrumb `[]` describes the stream, `["properties", "a", "properties", "b"]` the nested
property `a.b`. Rules are applied in passes that walk each stream's keys in their order, the way
Meltano 4.4.1 does: the stream entry is made first, entries for properties are made when the
`schema` key is reached, and rules are written when the `metadata` key is reached. So a stream
whose `schema` comes after its `metadata` (e.g. one added by a schema rule) gets its property
entries during a pass but not that pass's rules; 4.4.1 catalogs show the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Catalog = dict[str, Any]
Stream = dict[str, Any]
Entry = dict[str, Any]

AUTOMATIC = "automatic"
AVAILABLE = "available"
UNSUPPORTED = "unsupported"


def streams(catalog: Catalog) -> list[Stream]:
    """The catalog's stream objects (validated catalogs always have a `streams` list)."""
    found = catalog.get("streams")
    if not isinstance(found, list):
        return []
    return [stream for stream in found if isinstance(stream, dict)]


def stream_id(stream: Stream) -> str:
    """The name rules match against: `tap_stream_id`, as Meltano does (not `stream`)."""
    return str(stream.get("tap_stream_id", ""))


def breadcrumb(path: Sequence[str]) -> tuple[str, ...]:
    """`("a", "b")` → `("properties", "a", "properties", "b")`."""
    return tuple(part for name in path for part in ("properties", name))


def breadcrumb_glob(property_glob: str) -> str:
    """`a.b*` → `properties.a.properties.b*`: a property glob as a glob over breadcrumb text.

    Rules match the dotted text of each entry's breadcrumb, as 4.4.1 does; so `*` reaches
    nested properties and array items (`properties.lines.items.properties.sku`) too.
    """
    return "properties." + property_glob.replace(".", ".properties.")


def property_path(crumbs: Sequence[str]) -> tuple[str, ...] | None:
    """The property names a breadcrumb walks through; None if it is not a property's.

    `items` steps (array elements) add no name: `["properties", "lines", "items", "properties",
    "sku"]` is `("lines", "sku")`, as `meltano select --list` shows it.
    """
    if not crumbs or crumbs[0] != "properties":
        return None
    names: list[str] = []
    index = 0
    while index < len(crumbs):
        if crumbs[index] == "properties":
            names.extend(crumbs[index + 1 : index + 2])
            index += 2
        elif crumbs[index] == "items":
            index += 1
        else:
            return None
    return tuple(names)


def property_paths(schema: object, parent: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every property of a JSON schema, nested objects included, parents first.

    Only `properties` of objects are followed (not `items`, `anyOf`...). As in 4.4.1, a property
    whose schema is empty (`{}`) or whose name has a dot is skipped: neither gets an entry.
    """
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return
    for name, child in properties.items():
        if not child or "." in str(name):
            continue
        yield (*parent, str(name))
        yield from property_paths(child, (*parent, str(name)))


def entries(stream: Stream) -> list[Entry]:
    """The stream's metadata entries that have a breadcrumb list and a metadata mapping."""
    found = stream.get("metadata")
    if not isinstance(found, list):
        return []
    return [
        entry
        for entry in found
        if isinstance(entry, dict)
        and isinstance(entry.get("breadcrumb"), list)
        and isinstance(entry.get("metadata"), dict)
    ]


def stream_entry(stream: Stream) -> Entry | None:
    """The entry with breadcrumb `[]`, if any."""
    return next((entry for entry in entries(stream) if entry["breadcrumb"] == []), None)


@dataclass(frozen=True)
class Target:
    """What a rule is offered: one stream and one of its entries."""

    stream: Stream
    entry: Entry
    is_stream: bool  # the stream's own entry (breadcrumb `[]`)
    breadcrumb_text: str  # `properties.a.properties.b`: what property rules are matched against

    @classmethod
    def of(cls, stream: Stream, entry: Entry) -> Target:
        crumbs = entry["breadcrumb"]
        return cls(stream, entry, not crumbs, ".".join(str(crumb) for crumb in crumbs))

    def set(self, key: str, value: object) -> None:
        """Write one metadata key; stream-level keys also go on the stream object."""
        metadata: dict[str, Any] = self.entry["metadata"]
        if key == "selected" and value is True and metadata.get("inclusion") == UNSUPPORTED:
            if self.is_stream:
                self.stream["selected"] = True  # 4.4.1 marks the stream object all the same
            return
        metadata[key] = value
        if self.is_stream:
            self.stream[key.replace("-", "_")] = value


@dataclass(frozen=True)
class Rule:
    """Writes metadata into the entries of the streams it matches."""

    matches_stream: Callable[[str], bool]
    apply: Callable[[Target], None]


def run_pass(catalog: Catalog, rules: Sequence[Rule]) -> None:
    """Offer every entry of every stream to each rule, in order, making missing entries."""
    for stream in streams(catalog):
        _visit_stream(stream, rules)


def _visit_stream(stream: Stream, rules: Sequence[Rule]) -> None:
    if not isinstance(stream.get("metadata"), list):
        stream["metadata"] = []
    if stream_entry(stream) is None:
        stream["metadata"].append({"breadcrumb": [], "metadata": {"inclusion": AUTOMATIC}})
    name = stream_id(stream)
    active = [rule.apply for rule in rules if rule.matches_stream(name)]
    for key in list(stream):
        if key == "schema":
            _add_property_entries(stream)
        elif key == "metadata":
            for entry in entries(stream):
                target = Target.of(stream, entry)
                for apply in active:
                    apply(target)


def _add_property_entries(stream: Stream) -> None:
    known = {tuple(entry["breadcrumb"]) for entry in entries(stream)}
    for path in property_paths(stream.get("schema")):
        crumbs = breadcrumb(path)
        if crumbs not in known:
            inclusion = AUTOMATIC if len(path) == 1 else AVAILABLE
            entry = {"breadcrumb": list(crumbs), "metadata": {"inclusion": inclusion}}
            stream["metadata"].append(entry)
            known.add(crumbs)
