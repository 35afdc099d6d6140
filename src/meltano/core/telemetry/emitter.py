"""The `snowplow-tracker` side of sending: a Tracker, its emitters, and event conversion.

Imported only by the sending thread of `snowplow.EventSender`, so that neither the library nor
`requests` is loaded while statistics are off or on `meltano --help`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from snowplow_tracker.emitters import Emitter
from snowplow_tracker.events.self_describing import SelfDescribing
from snowplow_tracker.self_describing_json import SelfDescribingJson
from snowplow_tracker.subject import Subject
from snowplow_tracker.tracker import Tracker

if TYPE_CHECKING:
    from collections.abc import Sequence

    from snowplow_tracker.typing import FailureCallback

    from meltano.core.telemetry.snowplow import Event

REQUEST_TIMEOUT_SECONDS = 3.5
NAMESPACE = "meltano"
BATCH_SIZE = 100  # large: the sending thread flushes whenever its queue runs dry


class OneShotEmitter(Emitter):
    """Sends each batch once: a failed batch is dropped, never scheduled for a retry.

    A CLI process lives seconds; retries would only keep timers alive in long-lived hosts.
    """

    def _should_retry(self, status_code: int) -> bool:
        return False


def make_tracker(endpoints: Sequence[str], *, on_failure: FailureCallback) -> Tracker:
    """A Tracker with one emitter per endpoint; event JSON is sent plain, not base64."""
    emitters = [
        OneShotEmitter(
            endpoint,
            method="post",
            batch_size=BATCH_SIZE,
            request_timeout=REQUEST_TIMEOUT_SECONDS,
            on_failure=on_failure,
        )
        for endpoint in endpoints
    ]
    subject = Subject().set_platform("srv")
    return Tracker(
        NAMESPACE, list(emitters), subject=subject, app_id=NAMESPACE, encode_base64=False
    )


def track(tracker: Tracker, event: Event) -> None:
    """Queue one self-describing event, with its contexts, on the tracker's emitters."""
    tracker.track(
        SelfDescribing(
            SelfDescribingJson(event.schema, dict(event.data)),
            context=[SelfDescribingJson(c["schema"], c["data"]) for c in event.contexts],
            true_timestamp=event.timestamp_ms,
        )
    )
