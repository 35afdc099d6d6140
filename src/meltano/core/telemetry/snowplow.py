"""Send Snowplow self-describing events over HTTP POST, off the command's thread.

Events are queued and posted by one daemon thread with a short timeout; `close()` waits a
bounded time for the queue to drain, then gives up. Sending never raises.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

log = structlog.get_logger(__name__)
REQUEST_TIMEOUT_SECONDS = 3.5
EXIT_WAIT_SECONDS = 1.0  # the longest a command's exit waits for queued events
PAYLOAD_SCHEMA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"
EVENT_SCHEMA = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
CONTEXTS_SCHEMA = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
POST_PATH = "/com.snowplowanalytics.snowplow/tp2"
_STOP = object()


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


def event_payload(
    event: Mapping[str, Any], contexts: Sequence[Mapping[str, Any]], *, app_id: str = "meltano"
) -> dict[str, Any]:
    """One tracker-protocol event (JSON, not base64) for a self-describing event."""
    now = str(int(time.time() * 1000))
    return {
        "e": "ue",
        "eid": str(uuid.uuid4()),
        "tv": "py-meltano-1",
        "p": "srv",
        "aid": app_id,
        "dtm": now,
        "stm": now,
        "ue_pr": json.dumps(self_describing(EVENT_SCHEMA, event)),
        "co": json.dumps(self_describing(CONTEXTS_SCHEMA, {"data": list(contexts)})["data"]),
    }


class EventSender:
    """Posts queued events to every endpoint from a daemon thread."""

    def __init__(self, endpoints: Sequence[str]) -> None:
        self.endpoints = list(endpoints)
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="meltano-telemetry", daemon=True)
        self._thread.start()

    def send(self, payload: Mapping[str, Any]) -> None:
        self._queue.put(dict(payload))

    def close(self, timeout: float = EXIT_WAIT_SECONDS) -> None:
        """Let queued events go out, waiting at most `timeout` seconds; drop the rest."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            body = json.dumps({"schema": PAYLOAD_SCHEMA, "data": [item]}).encode()
            for endpoint in self.endpoints:
                _post(endpoint + POST_PATH, body)


def _post(url: str, body: bytes) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            response.read()
    except Exception as error:  # telemetry must never fail a command
        log.debug("telemetry event not sent", url=url, error=str(error))
