"""Persist the STATE messages a target prints, each as it arrives (pipelines-and-state.md §3)."""

from __future__ import annotations

import enum

import structlog

from meltano.core.state.backend import StateBackend
from meltano.core.state.model import (
    Document,
    EmptyStateError,
    InvalidStateError,
    parse_singer_state,
)
from meltano.core.state.store import save_singer_state

log = structlog.get_logger("meltano")


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


class StateRecorder:
    """Hand it every line of the target's stdout; it stores each valid STATE value at once,
    so the last state before a failure is kept. Storage errors propagate: they fail the run."""

    def __init__(self, backend: StateBackend, state_id: str, *, complete: bool) -> None:
        self.backend = backend
        self.state_id = state_id
        self.complete = complete
        self.last: Document | None = None  # the last value stored

    def on_line(self, line: bytes | str) -> None:
        if not line.strip():
            return
        try:
            value = parse_singer_state(line)
        except EmptyStateError:
            log.warning("received empty state, not stored", state_id=self.state_id)
            return
        except InvalidStateError as error:
            log.warning(
                "received invalid state, not stored", state_id=self.state_id, detail=error.reason
            )
            return
        save_singer_state(self.backend, self.state_id, value, complete=self.complete)
        self.last = value
        log.info("incremental state updated", state_id=self.state_id, complete=self.complete)
