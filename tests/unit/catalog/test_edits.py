"""Edits of the `select` list that `meltano select` makes."""

from __future__ import annotations

import pytest

from meltano.core.catalog.edits import PatternNotFoundError, add_pattern, remove_pattern
from meltano.core.catalog.patterns import pattern_text


def test_add_appends_once() -> None:
    patterns = add_pattern([], pattern_text("users", "*", exclude=False))
    assert patterns == ["users.*"]
    assert add_pattern(patterns, "users.*") == ["users.*"]  # quirk 27: 4.4.1 stores it twice
    assert add_pattern(patterns, "!users.email") == ["users.*", "!users.email"]


def test_add_does_not_change_its_input() -> None:
    patterns = ["a.*"]
    add_pattern(patterns, "b.*")
    assert patterns == ["a.*"]


def test_remove_drops_every_copy() -> None:
    assert remove_pattern(["a.*", "b.*", "a.*"], "a.*", plugin_name="tap-x") == ["b.*"]


def test_remove_of_absent_pattern_is_a_clear_error() -> None:
    with pytest.raises(PatternNotFoundError) as caught:
        remove_pattern(["users.*"], "orders.*", plugin_name="tap-x")
    assert caught.value.reason == (
        "Pattern 'orders.*' not found in the `select` list of tap-x (it has: users.*)"
    )
    assert "meltano select tap-x --list" in (caught.value.instruction or "")


def test_remove_from_empty_list_says_there_is_none() -> None:
    with pytest.raises(PatternNotFoundError, match=r"\(it has: none\)"):
        remove_pattern([], "users.*", plugin_name="tap-x")
