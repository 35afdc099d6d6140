"""The `schema` extra: replace or add top-level property schemas.

```yaml
schema:
  users:                       # stream glob (matched against tap_stream_id)
    updated_at:                # property glob, top level only
      type: [string, "null"]
      format: date-time
```
A matched property's schema is replaced whole, and a literal name that is missing is added. Like
4.4.1 we also add a property named after a glob itself, with the empty schema `{}` (it gets no
metadata entry, so it never shows in `meltano select --list`), and we read dotted keys as
nesting, as every nested extra is: `new.col: {type: string}` adds a property `new` whose schema
is `{"col": {"type": "string"}}`, and a stream whose name has a dot cannot be addressed. Every
stream without a `schema` gets `{"type": "object"}` once the extra has any rule.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from meltano.core.catalog.codec import plain
from meltano.core.catalog.metadata import Stream, stream_id
from meltano.core.catalog.metadata_extra import flatten

GLOB_CHARACTERS = frozenset("*?[")


def is_glob(pattern: str) -> bool:
    """Whether a pattern has shell glob characters."""
    return any(character in GLOB_CHARACTERS for character in pattern)


class SchemaRules:
    """Every `stream: {property: schema}` rule of the `schema` extra, read once."""

    def __init__(self, extra: Mapping[str, object]) -> None:
        nested = nest(dict(flatten(extra, keep_empty=True)))  # `{}` is a valid schema
        self.rules = [
            (str(stream_glob), {str(glob): plain(schema) for glob, schema in properties.items()})
            for stream_glob, properties in nested.items()
            if isinstance(properties, Mapping)
        ]
        self.active = bool(nested)

    def apply(self, stream: Stream) -> None:
        """Apply the rules that match this stream, in order."""
        if not self.active:
            return
        if not isinstance(stream.get("schema"), dict):
            stream["schema"] = {"type": "object"}
        for stream_glob, properties in self.rules:
            if fnmatch.fnmatchcase(stream_id(stream), stream_glob):
                _apply_to_stream(stream, properties)


def _apply_to_stream(stream: dict[str, Any], rules: Mapping[str, object]) -> None:
    if not isinstance(stream["schema"].get("properties"), dict):
        stream["schema"]["properties"] = {}
    properties: dict[str, Any] = stream["schema"]["properties"]
    for glob, schema in rules.items():
        matched = [name for name in properties if fnmatch.fnmatchcase(name, glob)]
        for name in matched:
            properties[name] = plain(schema)  # a copy for each property
        if is_glob(glob):
            properties.setdefault(glob, {})
        elif not matched:
            properties[glob] = plain(schema)


def nest(flat: Mapping[str, object]) -> dict[str, Any]:
    """`{"a.b": 1}` → `{"a": {"b": 1}}`: the inverse of `flatten`."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(".")
        node = nested
        for parent in parents:
            child = node.get(parent)
            if not isinstance(child, dict):
                child = node[parent] = {}
            node = child
        node[leaf] = value
    return nested
