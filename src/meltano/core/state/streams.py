"""One stream's part of Singer state: read it, remove it, refresh it for one run.

Taps keep per-stream progress under `bookmarks`, keyed by stream ID (singer-sdk and most
hand-written taps), with an optional `currently_syncing` naming the stream in progress:

    {"bookmarks": {"users": {...}, "orders": {...}}, "currently_syncing": "orders"}

Pure functions over a Singer state value (what a STATE message carries) or a stored
`{"singer_state": ...}` document; `store.py` applies them under the backend's lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from meltano.core.errors import MeltanoError
from meltano.core.state.model import SINGER_STATE, Document, StoredState

BOOKMARKS = "bookmarks"
CURRENTLY_SYNCING = "currently_syncing"


class StreamNotFoundError(MeltanoError):
    """Streams asked for by name that the stored state has no bookmark for."""

    def __init__(self, state_id: str, missing: Sequence[str], known: Sequence[str]) -> None:
        noun = "stream" if len(missing) == 1 else "streams"
        listed = (
            f"it has bookmarks for: {', '.join(known)}"
            if known
            else "it has no stream bookmarks at all"
        )
        super().__init__(
            f"The state of {state_id!r} has no bookmark for {noun} "
            f"{', '.join(repr(name) for name in missing)} ({listed})",
            f"Check the stream names with `meltano state get {state_id}`",
        )


def bookmarks_of(singer_state: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `bookmarks` map of a Singer state value; empty when it has none (or not a map)."""
    bookmarks = singer_state.get(BOOKMARKS)
    return bookmarks if isinstance(bookmarks, Mapping) else {}


def singer_state_of(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The Singer state value inside a stored document; empty when it holds none."""
    value = document.get(SINGER_STATE)
    return value if isinstance(value, Mapping) else {}


def bookmarked_streams(singer_state: Mapping[str, Any]) -> list[str]:
    """Stream names with a bookmark, sorted."""
    return sorted(str(name) for name in bookmarks_of(singer_state))


def missing_streams(singer_state: Mapping[str, Any], streams: Iterable[str]) -> list[str]:
    """Those of `streams` with no bookmark, in the order given."""
    bookmarks = bookmarks_of(singer_state)
    return [name for name in streams if name not in bookmarks]


def check_streams(state_id: str, singer_state: Mapping[str, Any], streams: Iterable[str]) -> None:
    """Raise StreamNotFoundError unless every one of `streams` has a bookmark."""
    missing = missing_streams(singer_state, streams)
    if missing:
        raise StreamNotFoundError(state_id, missing, bookmarked_streams(singer_state))


def bookmark(state_id: str, singer_state: Mapping[str, Any], stream: str) -> Any:
    """One stream's bookmark."""
    check_streams(state_id, singer_state, [stream])
    return bookmarks_of(singer_state)[stream]


def without_streams(singer_state: Mapping[str, Any], streams: Iterable[str]) -> Document:
    """A copy without these streams' bookmarks, nor `currently_syncing` if it names one."""
    names = set(streams)
    result: Document = dict(singer_state)
    if BOOKMARKS in result and isinstance(result[BOOKMARKS], Mapping):
        result[BOOKMARKS] = {k: v for k, v in result[BOOKMARKS].items() if k not in names}
    if result.get(CURRENTLY_SYNCING) in names:
        del result[CURRENTLY_SYNCING]
    return result


def merge_streams(base: Mapping[str, Any], new: Mapping[str, Any]) -> Document:
    """`base` updated by `new` stream by stream: each bookmark in `new` replaces that stream's
    bookmark whole (no stale keys of the old one survive), other streams are kept, and any other
    key of `new` (`currently_syncing`...) replaces the one in `base`."""
    result: Document = {**base, **{k: v for k, v in new.items() if k != BOOKMARKS}}
    if BOOKMARKS in new or BOOKMARKS in base:
        result[BOOKMARKS] = {**bookmarks_of(base), **bookmarks_of(new)}
    return result


def _document_without(document: Mapping[str, Any], streams: Sequence[str]) -> Document:
    if SINGER_STATE not in document or not isinstance(document[SINGER_STATE], Mapping):
        return dict(document)
    return {**document, SINGER_STATE: without_streams(document[SINGER_STATE], streams)}


def clear_streams(state_id: str, stored: StoredState, streams: Sequence[str]) -> StoredState:
    """`stored` with these streams removed from both the completed and the partial document.

    Every stream must have a bookmark in the merged state, or nothing changes."""
    check_streams(state_id, singer_state_of(stored.merged()), streams)
    return StoredState(
        completed=_document_without(stored.completed, streams),
        partial=_document_without(stored.partial, streams),
    )


def refreshed(stored: StoredState, value: Mapping[str, Any], streams: Sequence[str]) -> StoredState:
    """What a run that refreshed `streams` stores for a STATE value it got: the stored state
    without those streams, updated by `value` stream by stream, as completed state.

    `value` is everything the run emitted so far (merged with `merge_streams`), so writing it
    again over its own earlier write changes nothing: each write is complete on its own."""
    base = without_streams(singer_state_of(stored.merged()), streams)
    return StoredState(completed={SINGER_STATE: merge_streams(base, value)}, partial={})
