"""Metadata entries of a catalog stream, and the pass that writes rules into them.

A Singer stream carries a `metadata` list of `{"breadcrumb": [...], "metadata": {...}}` entries:
breadcrumb `[]` describes the stream, `["properties", "a", "properties", "b"]` the nested
property `a.b`. Rules are applied in passes over one stream at a time that walk the stream's
keys in their order, the way Meltano 4.4.1 does: the stream entry is made first, entries for
properties are made when the `schema` key is reached, and rules are written when the `metadata`
key is reached. So a stream whose `schema` comes after its `metadata` (e.g. one added by a
schema rule) gets its property entries during a pass but not that pass's rules; 4.4.1 catalogs
show the same.
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
        path = (*parent, str(name))
        yield path
        if isinstance(child, dict) and isinstance(child.get("properties"), dict):
            yield from property_paths(child, path)


def property_breadcrumbs(schema: object) -> list[tuple[str, ...]]:
    """The breadcrumb of each of `property_paths(schema)`, in the same order, in one walk."""
    found: list[tuple[str, ...]] = []
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if isinstance(properties, dict):
        _walk(properties, (), found)
    return found


def _walk(
    properties: dict[Any, Any], crumbs: tuple[str, ...], found: list[tuple[str, ...]]
) -> None:
    for name, child in properties.items():
        if not child:
            continue
        text = name if type(name) is str else str(name)
        if "." in text:
            continue
        here = (*crumbs, "properties", text) if crumbs else ("properties", text)
        found.append(here)
        if isinstance(child, dict):
            nested = child.get("properties")
            if isinstance(nested, dict):
                _walk(nested, here, found)


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


Effect = tuple[str, object]  # one metadata key and the value a rule writes to it


@dataclass(frozen=True)
class Rule:
    """Writes metadata into the entries of the streams it matches.

    `effects(is_stream, breadcrumb_text)` says what the rule writes into one entry: the
    stream's own entry (breadcrumb `[]`) or a property's, whose breadcrumb text
    (`properties.a.properties.b`) is what property globs are matched against.
    """

    matches_stream: Callable[[str], bool]
    effects: Callable[[bool, str], tuple[Effect, ...]]


_UNREAD = object()
_EFFECTS_KEPT = 100_000  # memoised (rules, breadcrumb) answers per pass before starting afresh


class StreamEntries:
    """One stream's valid metadata entries and their breadcrumb texts, kept across passes.

    The list is read once; passes only append entries and write metadata keys, so it stays
    right unless a rule replaced the stream's whole `metadata` list (a stream-level key named
    `metadata`: odd, but 4.4.1 does it, so we do), which `refresh` notices.
    """

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.metadata: object = _UNREAD
        self.valid: list[Entry] = []
        self.texts: list[str | None] = []  # None for the stream's own entry
        self._complete: tuple[object, int] | None = None  # (schema, len) when nothing is missing
        self.refresh()

    def refresh(self) -> None:
        """Re-read the entries if the stream's `metadata` is not the list read last time."""
        metadata = self.stream.get("metadata")
        if metadata is self.metadata:
            return
        if not isinstance(metadata, list):
            metadata = self.stream["metadata"] = []
        self.metadata = metadata
        self.valid = entries(self.stream)
        self.texts = [_text(entry["breadcrumb"]) for entry in self.valid]
        self._complete = None

    def _append(self, entry: Entry) -> None:
        assert isinstance(self.metadata, list)
        self.metadata.append(entry)
        self.valid.append(entry)
        self.texts.append(_text(entry["breadcrumb"]))

    def ensure_stream_entry(self) -> None:
        if None not in self.texts:
            self._append({"breadcrumb": [], "metadata": {"inclusion": AUTOMATIC}})

    def add_property_entries(self) -> None:
        """Make an entry for every property of the schema that has none."""
        assert isinstance(self.metadata, list)
        schema = self.stream.get("schema")
        size = len(self.metadata)
        done = self._complete
        if done is not None and done[0] is schema and done[1] == size:
            return  # made by an earlier pass, and nothing changed since
        known = {tuple(entry["breadcrumb"]) for entry in self.valid}
        for crumbs in property_breadcrumbs(schema):
            if crumbs not in known:
                inclusion = AUTOMATIC if len(crumbs) == 2 else AVAILABLE
                self._append({"breadcrumb": list(crumbs), "metadata": {"inclusion": inclusion}})
                known.add(crumbs)
        self._complete = (schema, len(self.metadata))


def _text(crumbs: Sequence[object]) -> str | None:
    """What property rules match: `properties.a.properties.b`; None for the stream entry."""
    if len(crumbs) == 2 and crumbs[0] == "properties" and type(crumbs[1]) is str:
        return "properties." + crumbs[1]  # the usual case, without the general join
    return ".".join(map(str, crumbs)) if crumbs else None


class Pass:
    """One pass of rules over every entry of a stream, walking its keys as 4.4.1 does.

    What the rules write into an entry depends only on which rules match the stream and on the
    entry's breadcrumb, and property names repeat across streams; so the answer is computed
    once per (matching rules, breadcrumb) and reused.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._effects: dict[tuple[int, ...], dict[str | None, tuple[Effect, ...]]] = {}
        self._kept = 0

    def _effects_for(self, active: tuple[int, ...]) -> dict[str | None, tuple[Effect, ...]]:
        found = self._effects.get(active)
        if found is None or self._kept >= _EFFECTS_KEPT:
            if self._kept >= _EFFECTS_KEPT:
                self._effects.clear()
                self._kept = 0
            found = self._effects[active] = {}
        return found

    def _compute(self, active: tuple[int, ...], text: str | None) -> tuple[Effect, ...]:
        is_stream, crumbs = text is None, text or ""
        return tuple(
            effect for index in active for effect in self.rules[index].effects(is_stream, crumbs)
        )

    def visit(self, stream: Stream, known: StreamEntries) -> None:
        """Make the stream's missing entries and write the rules into its entries."""
        known.refresh()
        known.ensure_stream_entry()
        name = stream_id(stream)
        active = tuple(i for i, rule in enumerate(self.rules) if rule.matches_stream(name))
        for key in list(stream):
            if key == "schema":
                known.refresh()
                known.add_property_entries()
            elif key == "metadata" and active:
                known.refresh()
                self._write(stream, known, active)

    def _write(self, stream: Stream, known: StreamEntries, active: tuple[int, ...]) -> None:
        effects = self._effects_for(active)
        for entry, text in zip(list(known.valid), list(known.texts), strict=True):
            found = effects.get(text)
            if found is None:
                found = effects[text] = self._compute(active, text)
                self._kept += 1
            if not found:
                continue
            metadata = entry["metadata"]
            for key, value in found:
                # Stream-level keys also go on the stream object; `selected: true` is never
                # written into an unsupported entry (4.4.1 still marks the stream object).
                if key == "selected" and value is True and metadata.get("inclusion") == UNSUPPORTED:
                    if text is None:
                        stream["selected"] = True
                    continue
                metadata[key] = value
                if text is None:
                    stream[key.replace("-", "_")] = value
