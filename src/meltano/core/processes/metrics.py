"""Read the metrics Singer SDK plugins log on stderr.

An SDK plugin logs each measurement as `METRIC: {"type": "counter", "metric": "record_count",
"value": 100, "tags": {"stream": "users", ...}}`, after whatever prefix its log format puts
first (time, level, logger name). With the SDK's JSON log format the same point arrives as
`{"message": "METRIC", "metric_info": {...}, ...}`; other JSON formatters keep the text form in
`message`. Counters are deltas: each point counts what happened since the previous one.

These lines are a small share of a plugin's stderr, which may be millions of lines: callers
check `is_metric_line` (one substring test) before paying for `parse_metric`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MARKER = b"METRIC"
_TEXT_MARKER = "METRIC: "


@dataclass(frozen=True)
class Metric:
    """One measurement a plugin logged."""

    kind: str  # "counter" or "timer"
    name: str  # "record_count", "sync_duration", "http_request_duration", ...
    value: float
    stream: str | None = None
    status: str | None = None  # a timer's "succeeded" / "failed"


def is_metric_line(line: bytes) -> bool:
    """Whether a stderr line (or a batch of them, joined) may hold a metric: cheap."""
    return MARKER in line


def parse_metric(line: bytes | str) -> Metric | None:
    """The metric a stderr line holds, or None for any other line (never raises)."""
    text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
    text = text.strip()
    if text.startswith("{"):
        return _from_json_log(text)
    return _from_text(text)


def _from_text(text: str) -> Metric | None:
    start = text.find(_TEXT_MARKER)
    if start < 0:
        return None
    try:
        point = json.loads(text[start + len(_TEXT_MARKER) :])
    except ValueError:
        return None
    return _from_point(point)


def _from_json_log(text: str) -> Metric | None:
    try:
        record = json.loads(text)
    except ValueError:
        return _from_text(text)  # a text prefix that happens to start with "{"
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("metric_info"), dict):
        return _from_point(record["metric_info"])
    for key in ("message", "event", "msg"):
        message = record.get(key)
        if isinstance(message, str) and _TEXT_MARKER in message:
            return _from_text(message)
    return None


def _from_point(point: object) -> Metric | None:
    if not isinstance(point, dict):
        return None
    kind, name, value = point.get("type"), point.get("metric"), point.get("value")
    if not isinstance(kind, str) or not isinstance(name, str):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    tags = point.get("tags")
    tags = tags if isinstance(tags, dict) else {}
    stream, status = tags.get("stream"), tags.get("status")
    return Metric(
        kind=kind,
        name=name,
        value=value,
        stream=str(stream) if stream is not None else None,
        status=str(status) if status is not None else None,
    )
