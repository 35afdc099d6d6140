"""The selection table that `meltano select --list` and `--json` print.

Each property gets a status from its own metadata entry and one from its stream's `[]` entry;
the row shows the stronger of the two (excluded > automatic > unsupported > selected). Streams
without a `[]` entry are not listed, as in 4.4.1.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meltano.core.catalog.metadata import (
    AUTOMATIC,
    UNSUPPORTED,
    Catalog,
    entries,
    property_path,
    stream_entry,
    stream_id,
    streams,
)


class Selection(enum.Enum):
    """How a property takes part in a sync; the order is the precedence in a row."""

    EXCLUDED = "excluded"
    AUTOMATIC = "automatic"
    UNSUPPORTED = "unsupported"
    SELECTED = "selected"

    @property
    def is_listed_by_default(self) -> bool:
        """Whether the row shows without `--all`."""
        return self in (Selection.SELECTED, Selection.AUTOMATIC)


_PRECEDENCE = list(Selection)
LEGEND = (Selection.SELECTED, Selection.EXCLUDED, Selection.AUTOMATIC, Selection.UNSUPPORTED)


@dataclass(frozen=True)
class SelectionRow:
    """One property of one stream and how it is selected."""

    stream: str
    property: str
    selection: Selection


def entry_selection(metadata: Mapping[str, Any]) -> Selection:
    """The status one metadata entry gives."""
    if metadata.get("inclusion") == AUTOMATIC:
        return Selection.AUTOMATIC
    if metadata.get("inclusion") == UNSUPPORTED:
        return Selection.UNSUPPORTED
    selected = metadata.get("selected")
    if selected is True or (selected is None and metadata.get("selected-by-default") is True):
        return Selection.SELECTED
    return Selection.EXCLUDED


def _stronger(first: Selection, second: Selection) -> Selection:
    return min(first, second, key=_PRECEDENCE.index)


def selection_rows(catalog: Catalog, *, show_all: bool) -> list[SelectionRow]:
    """The rows of the table, sorted by stream, property path, then status (as 4.4.1 does)."""
    rows = []
    for stream in streams(catalog):
        top = stream_entry(stream)
        if top is None:
            continue
        stream_selection = entry_selection(top["metadata"])
        for entry in entries(stream):
            path = property_path(entry["breadcrumb"])
            if path is None or entry["breadcrumb"] == []:
                continue
            selection = _stronger(stream_selection, entry_selection(entry["metadata"]))
            if show_all or selection.is_listed_by_default:
                rows.append(SelectionRow(stream_id(stream), ".".join(path), selection))
    return sorted(rows, key=lambda row: (row.stream, row.property, row.selection.value))


def render_text(patterns: Sequence[str], rows: Sequence[SelectionRow]) -> str:
    """The `--list` text, ending with a newline."""
    lines = ["Legend:", *(f"\t{selection.value}" for selection in LEGEND), ""]
    lines += ["Enabled patterns:", *(f"\t{pattern}" for pattern in patterns), ""]
    lines.append("Selected properties:")
    lines += [f"\t[{row.selection.value:<11}] {row.stream}.{row.property}" for row in rows]
    return "\n".join(lines) + "\n"


def render_json(patterns: Sequence[str], rows: Sequence[SelectionRow]) -> str:
    """The `--json` document, indented by 2, ending with a newline."""
    document = {
        "enabled_patterns": list(patterns),
        "streams": [
            {"stream": row.stream, "property": row.property, "selection": row.selection.value}
            for row in rows
        ],
    }
    return json.dumps(document, indent=2) + "\n"
