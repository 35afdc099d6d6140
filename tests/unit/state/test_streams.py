"""Per-stream rules over Singer state: pure functions, no backend."""

from __future__ import annotations

import pytest

from meltano.core.state import streams
from meltano.core.state.model import CorruptStateError, StoredState, UnreadableState

STATE = {
    "bookmarks": {"users": {"replication_key_value": "2024-05-01"}, "orders": {"id": 7}},
    "currently_syncing": "orders",
}


def test_without_streams_drops_bookmark_and_currently_syncing() -> None:
    assert streams.without_streams(STATE, ["orders"]) == {
        "bookmarks": {"users": {"replication_key_value": "2024-05-01"}}
    }
    assert streams.without_streams(STATE, ["users"]) == {
        "bookmarks": {"orders": {"id": 7}},
        "currently_syncing": "orders",
    }
    assert STATE["currently_syncing"] == "orders"  # the input is not changed


def test_without_streams_keeps_a_state_without_bookmarks() -> None:
    assert streams.without_streams({"x": 1}, ["users"]) == {"x": 1}
    assert streams.without_streams({"bookmarks": "odd"}, ["users"]) == {"bookmarks": "odd"}


def test_bookmark_of_one_stream() -> None:
    assert streams.bookmark("dev:a-to-b", STATE, "orders") == {"id": 7}


def test_unknown_stream_names_the_known_ones() -> None:
    with pytest.raises(streams.StreamNotFoundError) as caught:
        streams.bookmark("dev:a-to-b", STATE, "userz")
    assert caught.value.reason == (
        "The state of 'dev:a-to-b' has no bookmark for stream 'userz' "
        "(it has bookmarks for: orders, users)"
    )
    assert "meltano state get dev:a-to-b" in (caught.value.instruction or "")


def test_several_missing_streams_and_no_bookmarks_at_all() -> None:
    with pytest.raises(
        streams.StreamNotFoundError, match=r"streams 'a', 'b' .*no stream bookmarks"
    ):
        streams.check_streams("id", {"x": 1}, ["a", "b"])


def test_merge_streams_replaces_each_bookmark_whole() -> None:
    base = {"bookmarks": {"users": {"id": 1, "progress_markers": {}}, "orders": {"id": 7}}}
    new = {"bookmarks": {"users": {"id": 5}}, "currently_syncing": None}
    assert streams.merge_streams(base, new) == {
        "bookmarks": {"users": {"id": 5}, "orders": {"id": 7}},
        "currently_syncing": None,
    }
    assert streams.merge_streams({"x": 1}, {"y": 2}) == {"x": 1, "y": 2}


def test_clear_streams_checks_the_merged_state_and_edits_both_documents() -> None:
    stored = StoredState(
        completed={"singer_state": {"bookmarks": {"users": {"id": 1}}}},
        partial={"singer_state": {"bookmarks": {"orders": {"id": 2}}}},
    )
    assert streams.clear_streams("id", stored, ["orders"]) == StoredState(
        completed={"singer_state": {"bookmarks": {"users": {"id": 1}}}},
        partial={"singer_state": {"bookmarks": {}}},
    )
    with pytest.raises(streams.StreamNotFoundError):
        streams.clear_streams("id", stored, ["items"])


def test_clear_streams_leaves_a_document_without_singer_state_alone() -> None:
    stored = StoredState(completed={"singer_state": {"bookmarks": {"users": {}}}}, partial={"x": 1})
    assert streams.clear_streams("id", stored, ["users"]).partial == {"x": 1}


def test_refreshed_write_is_idempotent() -> None:
    stored = StoredState(
        completed={"singer_state": {"bookmarks": {"users": {"id": 9, "old": 1}, "orders": {}}}}
    )
    emitted = {"bookmarks": {"users": {"id": 2}}}
    once = streams.refreshed(stored, emitted, ["users"])
    assert once == StoredState(
        completed={"singer_state": {"bookmarks": {"users": {"id": 2}, "orders": {}}}}
    )
    assert streams.refreshed(once, emitted, ["users"]) == once
    nothing_yet = streams.refreshed(stored, {}, ["users"])
    assert nothing_yet.completed == {"singer_state": {"bookmarks": {"orders": {}}}}


def test_refreshed_write_over_unreadable_state_fails_closed() -> None:
    unreadable = UnreadableState(CorruptStateError("a file", "torn"))
    with pytest.raises(CorruptStateError):
        streams.refreshed(unreadable, {"bookmarks": {}}, ["users"])
