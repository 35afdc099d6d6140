from __future__ import annotations

import pytest

from meltano.core.state import model
from meltano.core.state.model import (
    InvalidStateError,
    StateIdError,
    StoredState,
    check_state_id_characters,
)


def test_deep_merge_merges_maps_and_replaces_other_values() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    assert model.deep_merge(base, {"a": {"y": [3], "z": 2}, "b": {"n": 1}}) == {
        "a": {"x": 1, "y": [3], "z": 2},
        "b": {"n": 1},
    }
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 1}


def test_partial_over_completed_then_complete_write_clears_partial() -> None:
    stored = model.write_complete(StoredState(), {"singer_state": {"users": {"id": 4}}})
    stored = model.write_partial(stored, {"singer_state": {"users": {"id": 2}}})
    assert stored.merged() == {"singer_state": {"users": {"id": 2}}}
    assert stored.completed == {"singer_state": {"users": {"id": 4}}}
    stored = model.write_complete(stored, {"singer_state": {"users": {"id": 7}}})
    assert stored.partial == {}


def test_partial_writes_accumulate() -> None:
    stored = model.write_partial(StoredState(), {"singer_state": {"a": 1}})
    stored = model.write_partial(stored, {"singer_state": {"b": 2}})
    assert stored.partial == {"singer_state": {"a": 1, "b": 2}}


@pytest.mark.parametrize("text", ["{bad", "[1]", "5", "null", '"x"', "{}", "[]"])
def test_target_payloads_that_are_not_state_are_rejected(text: str) -> None:
    with pytest.raises(InvalidStateError):
        model.parse_singer_state(text)


@pytest.mark.parametrize(
    "text",
    ['{"x": 1}', '{"singer_state": 5}', '{"singer_state": []}', '{"singer_state": null}', "[1]"],
)
def test_state_set_rejects_what_is_not_singer_state(text: str) -> None:
    with pytest.raises(InvalidStateError):
        model.parse_state_document(text)


def test_state_set_accepts_singer_state_and_no_validate_accepts_any_object() -> None:
    assert model.parse_state_document('{"singer_state": {"a": 1}}') == {"singer_state": {"a": 1}}
    assert model.parse_state_document('{"singer_state": {}}') == {"singer_state": {}}  # a reset
    assert model.parse_state_document('{"x": 1}', validate=False) == {"x": 1}
    with pytest.raises(InvalidStateError):
        model.parse_state_document("[1]", validate=False)


def test_stored_file_round_trip_and_4_4_1_layout() -> None:
    stored = StoredState({"singer_state": {"a": 1}}, {"singer_state": {"b": 1}})
    raw = model.encode_stored(stored)
    assert (
        raw == b'{"completed": {"singer_state": {"a": 1}}, "partial": {"singer_state": {"b": 1}}}'
    )
    assert model.decode_stored(raw, origin="x") == stored


@pytest.mark.parametrize("raw", [b'{"completed": {"singer', b"", b"[]", b'{"partial": 3}'])
def test_corrupt_stored_state_names_its_origin(raw: bytes) -> None:
    with pytest.raises(model.CorruptStateError) as caught:
        model.decode_stored(raw, origin="/state/x/state.json")
    assert "/state/x/state.json" in caught.value.reason


def test_export_treats_missing_or_null_parts_as_empty() -> None:
    parsed = model.parse_export({"a": {"completed": None}, "b": {}})
    assert parsed == {"a": StoredState(), "b": StoredState()}
    with pytest.raises(InvalidStateError):
        model.parse_export([1])


@pytest.mark.parametrize(
    ("state_id", "environment"),
    [
        ("dev:tap-gitlab-to-target-postgres", "dev"),
        ("prod:tap-x-to-target-y:blue", "prod"),
        ("2024-01-01T000000--tap--target", None),
        ("plain", None),
    ],
)
def test_environment_of(state_id: str, environment: str | None) -> None:
    assert model.environment_of(state_id) == environment


@pytest.mark.parametrize("state_id", ["dev:a\nb", "a\x00", "\tx", "a\x7fb", "a\x85b"])
def test_state_ids_with_control_characters_are_refused(state_id: str) -> None:
    with pytest.raises(StateIdError, match="contains a control character"):
        check_state_id_characters(state_id)


def test_printable_state_ids_pass() -> None:
    for state_id in ("dev:tap-x-to-target-y", "prod:tap-é-to-target:suffix", "a b/c"):
        assert check_state_id_characters(state_id) == state_id
