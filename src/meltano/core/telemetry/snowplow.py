"""Send Snowplow self-describing events with `snowplow-tracker`, off the command's thread.

One daemon thread imports the library (never the command's thread: `requests` and the library
cost time, and nothing is imported while statistics are off), feeds queued events to a
`Tracker` and flushes its emitters whenever the queue runs dry, so an event goes out while the
command runs and the last ones leave together. `close()` waits a bounded time for the queue to
drain, then gives up. Sending never raises; failures are logged at debug level only, and a
failed batch is dropped rather than retried (a CLI process is too short-lived for retries).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from types import ModuleType

log = structlog.get_logger(__name__)
EXIT_WAIT_SECONDS = 1.0  # the longest a command's exit waits for queued events
_STOP = object()


@dataclass(frozen=True)
class Event:
    """One self-describing event and its contexts, as `{"schema": ..., "data": ...}` dicts."""

    schema: str
    data: Mapping[str, Any]
    contexts: Sequence[Mapping[str, Any]]
    timestamp_ms: float


def valid_endpoints(endpoints: Sequence[Any]) -> list[str]:
    """The http(s) URLs among `endpoints`; others are skipped with a warning."""
    valid = []
    for endpoint in endpoints:
        parsed = urllib.parse.urlparse(str(endpoint))
        if parsed.scheme in ("http", "https") and parsed.netloc:
            valid.append(str(endpoint).rstrip("/"))
        else:
            log.warning("invalid snowplow collector endpoint skipped", endpoint=str(endpoint))
    return valid


def self_describing(schema: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {"schema": schema, "data": dict(data)}


class EventSender:
    """Hands queued events to a `snowplow-tracker` Tracker from a daemon thread."""

    def __init__(self, endpoints: Sequence[str]) -> None:
        self.endpoints = list(endpoints)
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="meltano-telemetry", daemon=True)
        self._thread.start()

    def send(
        self, schema: str, data: Mapping[str, Any], contexts: Sequence[Mapping[str, Any]]
    ) -> None:
        self._queue.put(Event(schema, dict(data), list(contexts), time.time() * 1000))

    def close(self, timeout: float = EXIT_WAIT_SECONDS) -> None:
        """Let queued events go out, waiting at most `timeout` seconds; drop the rest."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _work(self) -> None:
        try:
            emitter = _load_emitter()
            tracker = emitter.make_tracker(self.endpoints, on_failure=_log_failure)
        except Exception as error:  # telemetry must never fail a command
            log.debug("telemetry tracker not created", error=str(error))
            return
        while True:
            item = self._queue.get()
            try:
                if isinstance(item, Event):
                    emitter.track(tracker, item)
                if item is _STOP or self._queue.empty():
                    tracker.flush()
            except Exception as error:  # telemetry must never fail a command
                log.debug("telemetry events not sent", error=str(error))
            if item is _STOP:
                return


def _load_emitter() -> ModuleType:
    """Import `snowplow_tracker` (through our emitter module) without touching the root logger.

    The library calls `logging.basicConfig()` on import and logs each request at info and
    each failure at warning; we keep the root logger as it was and silence its loggers.
    """
    root = logging.getLogger()
    handlers = list(root.handlers)
    from meltano.core.telemetry import emitter

    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    for name in ("snowplow_tracker", "snowplow_tracker.emitters", "snowplow_tracker.snowplow"):
        logging.getLogger(name).disabled = True
    return emitter


def _log_failure(sent: int, unsent: list[Any]) -> None:
    log.debug("telemetry events not sent", sent=sent, unsent=len(unsent))
