"""What commands and pipelines do with state, over any StateBackend."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from meltano.core.errors import MeltanoError
from meltano.core.state import streams as stream_rules
from meltano.core.state.backend import Change, ClearingBackend, StateBackend
from meltano.core.state.model import (
    SINGER_STATE,
    CorruptStateError,
    Document,
    StoredState,
    check_state_id_characters,
    is_valid,
    write_complete,
    write_partial,
)


class StateNotFoundError(MeltanoError):
    def __init__(self, state_id: str) -> None:
        super().__init__(
            f"No state stored for {state_id!r}", "List known IDs with `meltano state list`"
        )


class Health(enum.Enum):
    """How `state list` colours an ID."""

    VALID = "valid"  # holds singer_state
    INVALID = "invalid"  # holds something else
    EMPTY = "empty"


def read_state(backend: StateBackend, state_id: str) -> Document:
    """The merged document (partial over completed); `{}` when nothing is stored."""
    return backend.read(check_state_id_characters(state_id)).merged()


def save_state(
    backend: StateBackend, state_id: str, document: Mapping[str, Any], *, complete: bool
) -> None:
    """Store a document as complete state (replacing, dropping partial) or as partial state."""
    rule = write_complete if complete else write_partial
    backend.update(check_state_id_characters(state_id), lambda stored: rule(stored, document))


def save_singer_state(
    backend: StateBackend, state_id: str, singer_state: Mapping[str, Any], *, complete: bool
) -> None:
    """Store the value of a target's STATE message (see `model.parse_singer_state`)."""
    save_state(backend, state_id, {SINGER_STATE: dict(singer_state)}, complete=complete)


def read_stream(backend: StateBackend, state_id: str, stream: str) -> Any:
    """One stream's bookmark in the merged state of a state ID."""
    document = read_state(backend, state_id)
    if not document:
        raise StateNotFoundError(state_id)
    return stream_rules.bookmark(state_id, stream_rules.singer_state_of(document), stream)


def clear_streams(backend: StateBackend, state_id: str, streams: Sequence[str]) -> None:
    """Remove these streams' bookmarks (completed and partial) in one locked update; if the
    state lacks any of them, nothing changes."""

    def change(stored: StoredState) -> StoredState:
        if stored.is_empty:
            raise StateNotFoundError(state_id)
        return stream_rules.clear_streams(state_id, stored, streams)

    backend.update(check_state_id_characters(state_id), change)


def save_refreshed_state(
    backend: StateBackend, state_id: str, singer_state: Mapping[str, Any], *, streams: Sequence[str]
) -> None:
    """Store what a run that refreshed `streams` emitted (see `streams.refreshed`)."""
    backend.update(
        check_state_id_characters(state_id),
        lambda stored: stream_rules.refreshed(stored, singer_state, streams),
    )


def copy_state(backend: StateBackend, source: str, destination: str) -> Document:
    """Give `destination` the merged state of `source`, as complete state."""
    document = read_state(backend, source)
    if not document:
        raise StateNotFoundError(source)
    save_state(backend, destination, document, complete=True)
    return document


def move_state(backend: StateBackend, source: str, destination: str) -> Document:
    """Copy, then clear the source."""
    document = copy_state(backend, source, destination)
    clear_state(backend, source)
    return document


def clear_state(backend: StateBackend, state_id: str) -> None:
    """Delete everything stored for a state ID (a missing ID is fine)."""
    backend.update(state_id, lambda _stored: None)


def clear_all(backend: StateBackend) -> int:
    """Delete every state ID; return how many there were."""
    if isinstance(backend, ClearingBackend):
        return backend.clear_all()
    state_ids = backend.ids()
    for state_id in state_ids:
        clear_state(backend, state_id)
    return len(state_ids)


def health(stored: StoredState) -> Health:
    merged = stored.merged()
    if not merged:
        return Health.EMPTY
    return Health.VALID if is_valid(merged) else Health.INVALID


def list_states(backend: StateBackend, pattern: str | None = None) -> list[tuple[str, Health]]:
    """State IDs matching the glob, each with its health (unreadable state is invalid)."""
    found = []
    for state_id in backend.ids(pattern):
        try:
            found.append((state_id, health(backend.read(state_id))))
        except CorruptStateError:
            found.append((state_id, Health.INVALID))
    return found


def export_states(backend: StateBackend) -> dict[str, Document]:
    """Every state ID's raw `{"completed": ..., "partial": ...}`, for `state import`."""
    return {state_id: backend.read(state_id).to_json() for state_id in backend.ids()}


def import_states(backend: StateBackend, states: Mapping[str, StoredState]) -> int:
    """Overwrite each listed state ID with the given pair; return how many."""
    for state_id in states:
        check_state_id_characters(state_id)  # all of them before the first write
    for state_id, stored in states.items():
        backend.update(state_id, _replacement(stored))
    return len(states)


def _replacement(new: StoredState) -> Change:
    return lambda _old: new
