"""The state a fan-out run may store: the latest every loader echoed."""

from __future__ import annotations

import pytest

from meltano.core.state.confirm import Confirmations


def state(n: int) -> dict[str, object]:
    return {"bookmarks": {"s": {"id": n}}}


def test_a_state_is_confirmed_once_every_loader_echoed_it() -> None:
    confirmations = Confirmations(2)
    assert confirmations.confirm(0, state(1)) is None
    assert confirmations.confirm(0, state(2)) is None
    assert confirmations.confirm(1, state(1)) == state(1)
    assert confirmations.confirm(1, state(2)) == state(2)


def test_a_loader_that_skips_states_confirms_only_what_it_echoed() -> None:
    confirmations = Confirmations(2)
    for n in (2, 5):
        assert confirmations.confirm(0, state(n)) is None
    assert confirmations.confirm(1, state(3)) is None  # loader 0 never echoed 3
    assert confirmations.confirm(1, state(5)) == state(5)
    assert confirmations.confirm(0, state(3)) is None  # 3 is behind the committed 5 for 1


def test_three_loaders_and_key_order_does_not_matter() -> None:
    confirmations = Confirmations(3)
    assert confirmations.confirm(0, {"a": 1, "b": 2}) is None
    assert confirmations.confirm(2, {"b": 2, "a": 1}) is None
    assert confirmations.confirm(1, {"a": 1, "b": 2}) == {"a": 1, "b": 2}


def test_one_loader_confirms_at_once() -> None:
    assert Confirmations(1).confirm(0, state(1)) == state(1)


def test_forgetting_old_states_only_delays_a_commit() -> None:
    confirmations = Confirmations(2, max_waiting=3)
    for n in range(1, 6):
        confirmations.confirm(0, state(n))
    assert confirmations.confirm(1, state(1)) is None  # forgotten by loader 0: not committed
    assert confirmations.confirm(1, state(4)) == state(4)


def test_needs_a_loader() -> None:
    with pytest.raises(ValueError):
        Confirmations(0)
