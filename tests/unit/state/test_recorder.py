from __future__ import annotations

import pytest

from meltano.core.state.recorder import Strategy, is_complete


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
