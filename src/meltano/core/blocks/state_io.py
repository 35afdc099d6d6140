"""State in and out of an extract-load set: the tap's `--state` file and the target's STATE lines.

STATE lines are validated as they arrive but written at most once a second (and once at the
end, whatever the outcome), so a target that emits 10,000 STATE messages costs a handful of
writes, not 10,000; after a `kill -9` the stored state is at most one interval behind.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.project.text_files import read_text_file
from meltano.core.state import streams
from meltano.core.state.backend import StateBackend
from meltano.core.state.confirm import Confirmations
from meltano.core.state.model import (
    EmptyStateError,
    InvalidStateError,
    deep_merge,
    parse_json_object,
    parse_singer_state,
)
from meltano.core.state.store import (
    StateNotFoundError,
    read_state,
    save_refreshed_state,
    save_singer_state,
)

log = structlog.get_logger("meltano")
FLUSH_INTERVAL = 1.0


def write_tap_state(
    backend: StateBackend,
    state_id: str,
    run_dir: Path,
    *,
    full_refresh: bool,
    state_file: Path | None,
    project_root: Path,
    refresh_streams: Sequence[str] = (),
) -> Path | None:
    """Put the state the tap should resume from into `run_dir/state.json`; None when none.

    With `refresh_streams`, those streams' bookmarks are left out (each must have one)."""
    path = run_dir / "state.json"
    path.unlink(missing_ok=True)
    if full_refresh:
        log.info("full refresh: ignoring stored state", state_id=state_id)
        return None
    if state_file is not None:
        source = state_file if state_file.is_absolute() else project_root / state_file
        if not source.is_file():
            raise MeltanoError(
                f"Could not find state file {source}", "Fix the `state` extra or the --state option"
            )
        log.info("using state from a file", path=str(source))
        if not refresh_streams:
            path.write_bytes(source.read_bytes())
            return path
        singer_state: Mapping[str, Any] = parse_json_object(
            read_text_file(source, what="state file"), what="state file"
        )
        origin = str(source)
    else:
        document = read_state(backend, state_id)
        singer_state = streams.singer_state_of(document)
        origin = state_id
        if not singer_state:
            if refresh_streams:
                raise StateNotFoundError(state_id)
            log.warning("no state was found, complete import", state_id=state_id)
            return None
    if refresh_streams:
        streams.check_streams(origin, singer_state, refresh_streams)
        singer_state = streams.without_streams(singer_state, refresh_streams)
        log.info(
            "full refresh of streams: their bookmarks are left out",
            state_id=state_id,
            streams=list(refresh_streams),
        )
    path.write_text(json.dumps(singer_state, indent=2))
    return path


def state_of_line(line: bytes, *, plugin: str) -> dict[str, Any] | None:
    """The Singer state value a target's stdout line carries; None (logged) when there is none."""
    if not line.strip():
        return None
    try:
        return parse_singer_state(line)
    except EmptyStateError:
        log.warning("received empty state, not stored", plugin=plugin)
    except InvalidStateError as error:
        log.warning("received invalid state, not stored", plugin=plugin, detail=error.reason)
    return None


class FanOutStates:
    """The STATE lines of every loader of a fan-out; a state goes to the recorder only once
    every loader has echoed it (`state.confirm`)."""

    def __init__(self, recorder: CoalescingRecorder, loaders: Sequence[str]) -> None:
        self.recorder, self.loaders = recorder, list(loaders)
        self.confirmations = Confirmations(len(self.loaders))

    def handlers(self) -> list[Callable[[bytes], None]]:
        """One line handler per loader, in order."""
        return [functools.partial(self.on_line, index) for index in range(len(self.loaders))]

    def on_line(self, index: int, line: bytes) -> None:
        self.recorder.raise_failure()
        value = state_of_line(line, plugin=self.loaders[index])
        if value is None:
            return
        confirmed = self.confirmations.confirm(index, value)
        if confirmed is not None:
            self.recorder.on_value(dict(confirmed))


class CoalescingRecorder:
    """Receives the target's stdout lines; stores the newest valid state at most once a second.

    With `complete` writes each stored value replaces the last, so only the newest matters;
    with partial writes, pending values are merged in memory the way storage would merge them.
    """

    def __init__(
        self,
        backend: StateBackend,
        state_id: str,
        *,
        complete: bool,
        plugin: str,
        on_saved: Callable[[Mapping[str, Any]], None] | None = None,
        interval: float = FLUSH_INTERVAL,
        refreshed_streams: Sequence[str] = (),
    ) -> None:
        self.backend, self.state_id, self.complete = backend, state_id, complete
        # `--full-refresh-stream`: every write is the stored state without these streams,
        # updated stream by stream with all this run emitted (`streams.refreshed`).
        self.refreshed_streams = tuple(refreshed_streams)
        self.plugin, self.on_saved, self.interval = plugin, on_saved, interval
        self.pending: dict[str, Any] | None = None
        self.last_saved: dict[str, Any] | None = None
        self.last_flush = 0.0
        self.received = 0
        self.writes = 0
        self._timer: asyncio.TimerHandle | None = None
        self.failure: Exception | None = None  # a timed write that failed (server lost...)

    def on_line(self, line: bytes) -> None:
        """Validate one stdout line of the target and schedule it for storage."""
        self.raise_failure()
        value = state_of_line(line, plugin=self.plugin)
        if value is not None:
            self.on_value(value)

    def raise_failure(self) -> None:
        """Re-raise a timed write's failure: it stops the pipeline; the final flush tries the
        state once more."""
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure

    def on_value(self, value: dict[str, Any]) -> None:
        """Schedule a valid Singer state value for storage."""
        self.raise_failure()
        self.received += 1
        if self.refreshed_streams:
            emitted = self.pending if self.pending is not None else self.last_saved
            self.pending = streams.merge_streams(emitted or {}, value)
        elif self.complete or self.pending is None:
            self.pending = value
        else:
            self.pending = deep_merge(self.pending, value)
        now = time.monotonic()
        if now - self.last_flush >= self.interval:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._timer = loop.call_later(self.interval - (now - self.last_flush), self._tick)

    def _tick(self) -> None:
        self._timer = None
        try:
            self.flush()
        except Exception as error:  # a timer has no caller: the next line re-raises it
            self.failure = error

    def flush(self) -> None:
        """Write the pending state now (no-op when nothing is pending)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.pending is None:
            return
        value, self.pending = self.pending, None
        try:
            if self.refreshed_streams:
                save_refreshed_state(
                    self.backend, self.state_id, value, streams=self.refreshed_streams
                )
            else:
                save_singer_state(self.backend, self.state_id, value, complete=self.complete)
        except BaseException:
            self.pending = value  # not stored: the final flush tries again
            raise
        self.last_flush = time.monotonic()
        self.writes += 1
        self.last_saved = value
        if self.on_saved is not None:
            self.on_saved(value)
        log.debug("incremental state updated", state_id=self.state_id, complete=self.complete)
