"""Whether anonymous usage statistics may be sent (telemetry.md "Switches")."""

from __future__ import annotations

from collections.abc import Mapping

from meltano.core.booleans import is_truthy
from meltano.core.settings.resolve import Resolved, Source


def stats_enabled(settings: Mapping[str, Resolved], environ: Mapping[str, str]) -> bool:
    """Every opt-out wins over the default.

    `DO_NOT_TRACK` (the cross-tool convention) always turns statistics off. An explicit
    `send_anonymous_usage_stats` decides next; otherwise `disable_tracking` can turn them
    off (4.4.1 ignores it: quirks-4.4.1.md row 13). The default is on.
    """
    if is_truthy(environ.get("DO_NOT_TRACK", "")):
        return False
    send = settings.get("send_anonymous_usage_stats")
    if send is not None and send.source is not Source.DEFAULT and send.value is not None:
        return is_truthy(send.value)
    disable = settings.get("disable_tracking")
    if disable is not None and is_truthy(disable.value):
        return False
    return send is None or send.value is None or is_truthy(send.value)
