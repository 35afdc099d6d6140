"""Plugin stderr lines become log lines tagged with the plugin's name.

This runs once per stderr line, possibly millions of times, so it goes straight to the
standard library logger of the plugin (level checks first, no structlog bound-logger work);
handlers and formatters, including a user's logging.yaml, still apply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from meltano.core.blocks.lines import decode_line

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


class PluginLogs:
    """`on_log(index, line)` for a pipeline whose processes are named `names`."""

    def __init__(self, names: Sequence[str], *, structured: Sequence[bool] = ()) -> None:
        self.loggers = [logging.getLogger(name) for name in names]
        self.structured = list(structured) or [False] * len(names)

    def __call__(self, index: int, line: bytes) -> None:
        logger = self.loggers[index]
        if not logger.isEnabledFor(logging.INFO) and not self.structured[index]:
            return
        text = decode_line(line)
        if self.structured[index] and text.startswith("{"):
            parsed = _parse_sdk_line(text)
            if parsed is not None:
                level, message, fields = parsed
                if logger.isEnabledFor(level):
                    logger.log(level, message, extra={"plugin_fields": fields})
                return
        logger.info(text)


def _parse_sdk_line(text: str) -> tuple[int, str, dict[str, object]] | None:
    """A Singer SDK structured log line: `{"level": ..., "message": ..., ...}`."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or "level" not in data:
        return None
    message = data.pop("message", None) or data.pop("event", None) or ""
    level = _LEVELS.get(str(data.pop("level")).lower(), logging.INFO)
    return level, str(message), data
