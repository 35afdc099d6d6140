from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from meltano.core.state.backends.memory import MemoryBackend
from meltano.core.state.model import StoredState
from meltano.core.state.recorder import StateRecorder, Strategy, is_complete


@pytest.mark.parametrize(
    ("strategy", "full_refresh", "complete"),
    [
        (Strategy.AUTO, False, True),
        (Strategy.AUTO, True, False),
        (Strategy.OVERWRITE, True, True),
        (Strategy.MERGE, False, False),
    ],
)
def test_strategy(strategy: Strategy, full_refresh: bool, complete: bool) -> None:
    assert is_complete(strategy, full_refresh=full_refresh) is complete


def test_each_valid_state_is_stored_as_it_arrives() -> None:
    backend = MemoryBackend()
    recorder = StateRecorder(backend, "dev:a-to-b", complete=True)
    recorder.on_line(b'{"bookmarks": {"users": 1}}\n')
    assert backend.read("dev:a-to-b").completed == {"singer_state": {"bookmarks": {"users": 1}}}
    recorder.on_line('{"bookmarks": {"users": 2}}')
    assert backend.read("dev:a-to-b").completed == {"singer_state": {"bookmarks": {"users": 2}}}
    assert recorder.last == {"bookmarks": {"users": 2}}


def test_bad_lines_are_skipped_with_a_warning() -> None:
    backend = MemoryBackend()
    recorder = StateRecorder(backend, "id", complete=False)
    with capture_logs() as logs:
        for line in (b"not json", b"{}", b"[1]", b"  \n"):
            recorder.on_line(line)
    assert [entry["event"] for entry in logs] == [
        "received invalid state, not stored",
        "received empty state, not stored",
        "received invalid state, not stored",
    ]
    assert backend.read("id") == StoredState()
    assert recorder.last is None


def test_partial_recording_keeps_completed_state() -> None:
    backend = MemoryBackend()
    StateRecorder(backend, "id", complete=True).on_line(b'{"a": 1, "b": 1}')
    StateRecorder(backend, "id", complete=False).on_line(b'{"a": 2}')
    assert backend.read("id").merged() == {"singer_state": {"a": 2, "b": 1}}
