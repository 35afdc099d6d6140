"""`meltano state set/merge/copy/move/clear --stream`: each edit, then its STATE_EDIT run row.

4.4.1 records every edit of the system database's state as a run of its own (state
`STATE_EDIT`, the new state as payload), so `meltano logs` and the history show it. Other
backends have no run history of their own: there the edit is all.
"""

from __future__ import annotations

from collections.abc import Sequence

from meltano.core.blocks.history import RunHistory
from meltano.core.state import store
from meltano.core.state.backend import StateBackend
from meltano.core.state.backends.systemdb import SystemDbBackend
from meltano.core.state.model import Document


def set_state(backend: StateBackend, state_id: str, document: Document) -> None:
    """Replace the state of `state_id` with `document`, as completed state."""
    store.save_state(backend, state_id, document, complete=True)
    record_edit(backend, state_id, partial=False)


def merge_state(
    backend: StateBackend, state_id: str, document: Document | None, *, from_state_id: str | None
) -> None:
    """Merge `document`, or the state of `from_state_id`, into `state_id` as partial state."""
    if from_state_id:
        document = store.read_state(backend, from_state_id)
        if not document:
            raise store.StateNotFoundError(from_state_id)
    store.save_state(backend, state_id, document or {}, complete=False)
    record_edit(backend, state_id, partial=True)


def copy_state(backend: StateBackend, source: str, destination: str) -> None:
    """Give `destination` the state of `source`."""
    store.copy_state(backend, source, destination)
    record_edit(backend, destination, partial=False)


def move_state(backend: StateBackend, source: str, destination: str) -> None:
    """Give `destination` the state of `source`, then clear `source`."""
    store.move_state(backend, source, destination)
    record_edit(backend, destination, partial=False)


def clear_streams(backend: StateBackend, state_id: str, streams: Sequence[str]) -> None:
    """Remove only these streams' bookmarks from the state of `state_id`."""
    store.clear_streams(backend, state_id, streams)
    record_edit(backend, state_id, partial=False)


def record_edit(backend: StateBackend, state_id: str, *, partial: bool) -> None:
    """On the systemdb backend, an edit leaves a STATE_EDIT run row holding the new state."""
    if not isinstance(backend, SystemDbBackend):
        return
    RunHistory(backend.database).record_edit(
        state_id, store.read_state(backend, state_id), partial=partial
    )
