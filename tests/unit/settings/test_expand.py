from __future__ import annotations

import pytest

from meltano.core.settings.expand import MissingVariableError, expand

ENV = {"HOME_DIR": "/home/x", "lower": "low"}


def test_bare_and_braced_references() -> None:
    assert expand("$HOME_DIR/out", ENV) == "/home/x/out"
    assert expand("${HOME_DIR}/out", ENV) == "/home/x/out"
    assert expand("${lower}", ENV) == "low"


def test_lower_case_bare_reference_is_left_alone() -> None:
    assert expand("$lower", ENV) == "$lower"


def test_escapes_keep_the_reference_literally() -> None:
    assert expand("\\$HOME_DIR", ENV) == "$HOME_DIR"
    assert expand("\\${HOME_DIR}", ENV) == "${HOME_DIR}"


def test_missing_variable_becomes_empty_and_is_reported() -> None:
    missing: list[str] = []
    assert expand("a-$NOPE-b", ENV, missing=missing) == "a--b"
    assert missing == ["NOPE"]


def test_value_that_expands_to_nothing_is_unset() -> None:
    assert expand("$NOPE", ENV) is None
    assert expand("", ENV) == ""


def test_strict_mode_names_the_missing_variable() -> None:
    with pytest.raises(MissingVariableError, match="'NOPE' referenced but not set"):
        expand("$NOPE", ENV, strict=True)


def test_lists_and_maps_are_expanded() -> None:
    assert expand({"a": ["$HOME_DIR", 1], "b": True}, ENV) == {"a": ["/home/x", 1], "b": True}
