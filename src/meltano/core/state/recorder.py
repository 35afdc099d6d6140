"""How a pipeline's STATE messages are stored: complete, or partial (pipelines-and-state.md §3).

The lines themselves are stored by `blocks/state_io.py`'s `CoalescingRecorder`.
"""

from __future__ import annotations

import enum


class Strategy(enum.Enum):
    """`--state-strategy`: how a pipeline's STATE messages are stored."""

    AUTO = "auto"  # complete, except partial during a full refresh
    OVERWRITE = "overwrite"  # complete
    MERGE = "merge"  # partial


def is_complete(strategy: Strategy, *, full_refresh: bool) -> bool:
    """Whether the strategy stores STATE messages as complete state."""
    if strategy is Strategy.AUTO:
        return not full_refresh
    return strategy is Strategy.OVERWRITE
