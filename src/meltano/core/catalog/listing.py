"""The selection table that `meltano select --list` and `--json` print.

Each property gets a status from its own metadata entry and one from its stream's `[]` entry;
the row shows the stronger of the two (excluded > automatic > unsupported > selected). Streams
without a `[]` entry are not listed, as in 4.4.1.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from meltano.core.catalog.codec import encode
from meltano.core.catalog.metadata import (
    AUTOMATIC,
    UNSUPPORTED,
    Catalog,
    Stream,
    StreamEntries,
    entries,
    property_path,
    stream_id,
    streams,
)


class Selection(str, enum.Enum):
    """How a property takes part in a sync; the order is the precedence in a row.

    A string (its value), so that rows sort by it as 4.4.1 sorts them.
    """

    EXCLUDED = "excluded"
    AUTOMATIC = "automatic"
    UNSUPPORTED = "unsupported"
    SELECTED = "selected"

    @property
    def is_listed_by_default(self) -> bool:
        """Whether the row shows without `--all`."""
        return self in (Selection.SELECTED, Selection.AUTOMATIC)


_PRECEDENCE = list(Selection)
_STRONGER = {  # the row's status for (stream status, property status)
    first: {second: min(first, second, key=_PRECEDENCE.index) for second in Selection}
    for first in Selection
}
_LISTED = frozenset(selection for selection in Selection if selection.is_listed_by_default)
_VALUES = {selection: selection.value for selection in Selection}
_LABELS = {selection: f"[{selection.value:<11}]" for selection in Selection}
LEGEND = (Selection.SELECTED, Selection.EXCLUDED, Selection.AUTOMATIC, Selection.UNSUPPORTED)


class SelectionRow(NamedTuple):
    """One property of one stream and how it is selected."""

    stream: str
    property: str
    selection: Selection


def entry_selection(metadata: Mapping[str, Any]) -> Selection:
    """The status one metadata entry gives."""
    inclusion = metadata.get("inclusion")
    if inclusion == AUTOMATIC:
        return Selection.AUTOMATIC
    if inclusion == UNSUPPORTED:
        return Selection.UNSUPPORTED
    selected = metadata.get("selected")
    if selected is True or (selected is None and metadata.get("selected-by-default") is True):
        return Selection.SELECTED
    return Selection.EXCLUDED


def stream_rows(
    stream: Stream, *, show_all: bool, known: StreamEntries | None = None
) -> list[SelectionRow]:
    """The rows of one stream (after the rules), in the stream's entry order.

    `known` is the stream's entries as the rules left them, if they ran (saves reading them).
    """
    valid = known.valid if known is not None else entries(stream)
    top = next((entry for entry in valid if entry["breadcrumb"] == []), None)
    if top is None:
        return []
    stream_selection = entry_selection(top["metadata"])
    stronger = _STRONGER[stream_selection]
    name = stream_id(stream)
    new_row = tuple.__new__  # SelectionRow(...) without the namedtuple's Python-level __new__
    found = []
    for entry in valid:
        crumbs = entry["breadcrumb"]
        if len(crumbs) == 2 and crumbs[0] == "properties" and type(crumbs[1]) is str:
            prop = crumbs[1]  # the usual top-level property: what the general case gives
        else:
            path = property_path(crumbs) if crumbs else None
            if path is None:
                continue
            prop = ".".join(path)
        selection = stronger[entry_selection(entry["metadata"])]
        if show_all or selection in _LISTED:
            found.append(new_row(SelectionRow, (name, prop, selection)))
    return found


def sort_rows(rows: list[SelectionRow]) -> list[SelectionRow]:
    """Sorted by stream, property path, then status, as 4.4.1 lists them.

    `Selection` values are strings, so rows compare as plain tuples in that very order.
    """
    return sorted(rows)


def selection_rows(catalog: Catalog, *, show_all: bool) -> list[SelectionRow]:
    """The rows of the table, sorted by stream, property path, then status (as 4.4.1 does)."""
    return sort_rows([row for s in streams(catalog) for row in stream_rows(s, show_all=show_all)])


def render_text(patterns: Sequence[str], rows: Sequence[SelectionRow]) -> str:
    """The `--list` text, ending with a newline."""
    lines = ["Legend:", *(f"\t{selection.value}" for selection in LEGEND), ""]
    lines += ["Enabled patterns:", *(f"\t{pattern}" for pattern in patterns), ""]
    lines.append("Selected properties:")
    lines += [f"\t{_LABELS[row.selection]} {row.stream}.{row.property}" for row in rows]
    return "\n".join(lines) + "\n"


def render_json(patterns: Sequence[str], rows: Sequence[SelectionRow]) -> str:
    """The `--json` document, indented by 2, ending with a newline."""
    document = {
        "enabled_patterns": list(patterns),
        "streams": [
            {"stream": row.stream, "property": row.property, "selection": _VALUES[row.selection]}
            for row in rows
        ],
    }
    return encode(document) + "\n"
