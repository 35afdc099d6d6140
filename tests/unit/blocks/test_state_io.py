"""The target's STATE lines, validated and stored by the coalescing recorder."""

from __future__ import annotations

from typing import Any

from structlog.testing import capture_logs

from meltano.core.blocks.state_io import CoalescingRecorder
from meltano.core.state.backends.memory import MemoryBackend
from meltano.core.state.model import StoredState


def test_with_no_interval_each_valid_state_is_stored_as_it_arrives() -> None:
    backend = MemoryBackend()
    saved: list[Any] = []
    recorder = CoalescingRecorder(
        backend, "dev:a-to-b", complete=True, plugin="target-b", on_saved=saved.append, interval=0
    )
    recorder.on_line(b'{"bookmarks": {"users": 1}}')
    assert backend.read("dev:a-to-b").completed == {"singer_state": {"bookmarks": {"users": 1}}}
    recorder.on_line(b'{"bookmarks": {"users": 2}}')
    assert backend.read("dev:a-to-b").completed == {"singer_state": {"bookmarks": {"users": 2}}}
    assert saved == [{"bookmarks": {"users": 1}}, {"bookmarks": {"users": 2}}]
    assert (recorder.received, recorder.writes) == (2, 2)


def test_within_the_interval_states_wait_for_the_flush() -> None:
    backend = MemoryBackend()
    recorder = CoalescingRecorder(backend, "id", complete=False, plugin="t", interval=3600)
    recorder.on_line(b'{"a": 1}')  # the first line is written at once
    recorder.on_line(b'{"b": 1}')
    recorder.on_line(b'{"a": 2}')
    assert backend.read("id").merged() == {"singer_state": {"a": 1}}
    recorder.flush()
    assert backend.read("id").merged() == {"singer_state": {"a": 2, "b": 1}}
    assert (recorder.received, recorder.writes) == (3, 2)


def test_bad_lines_are_skipped_with_a_warning() -> None:
    backend = MemoryBackend()
    recorder = CoalescingRecorder(backend, "id", complete=False, plugin="target-b", interval=0)
    with capture_logs() as logs:
        for line in (b"not json", b"{}", b"[1]", b"  "):
            recorder.on_line(line)
        recorder.flush()
    assert [(entry["event"], entry["plugin"]) for entry in logs] == [
        ("received invalid state, not stored", "target-b"),
        ("received empty state, not stored", "target-b"),
        ("received invalid state, not stored", "target-b"),
    ]
    assert backend.read("id") == StoredState()
    assert recorder.last_saved is None


def test_partial_recording_keeps_completed_state() -> None:
    backend = MemoryBackend()
    CoalescingRecorder(backend, "id", complete=True, plugin="t", interval=0).on_line(
        b'{"a": 1, "b": 1}'
    )
    CoalescingRecorder(backend, "id", complete=False, plugin="t", interval=0).on_line(b'{"a": 2}')
    assert backend.read("id").merged() == {"singer_state": {"a": 2, "b": 1}}
