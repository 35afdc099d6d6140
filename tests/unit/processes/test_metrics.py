from __future__ import annotations

import json
import logging

import pytest

from meltano.core.processes.metrics import Metric, is_metric_line, parse_metric
from meltano.core.processes.plugin_logs import PluginLogs

POINT = {
    "type": "counter",
    "metric": "record_count",
    "value": 2200,
    "tags": {"stream": "users", "pid": 8588, "context": {}},
}
USERS = Metric("counter", "record_count", 2200, stream="users")


@pytest.mark.parametrize(
    "line",
    [
        # the SDK's own console format
        "2026-12-02 04:22:08,735 | INFO     | singer_sdk.metrics             | METRIC: "
        + json.dumps(POINT, separators=(",", ":")),
        # the `%(message)s` format we give SDK plugins
        "METRIC: " + json.dumps(POINT),
        # the SDK's JSON (structured) format
        json.dumps({"level": "info", "message": "METRIC", "metric_info": POINT}),
        # another JSON formatter that keeps the text form
        json.dumps({"level": "info", "message": "METRIC: " + json.dumps(POINT)}),
        "METRIC: " + json.dumps(POINT) + "\r",
    ],
)
def test_metric_lines_in_every_log_format(line: str) -> None:
    assert is_metric_line(line.encode())
    assert parse_metric(line.encode()) == USERS
    assert parse_metric(line) == USERS


def test_a_timer_keeps_its_stream_and_status() -> None:
    point = {
        "type": "timer",
        "metric": "sync_duration",
        "value": 0.09,
        "tags": {"stream": "jsonl", "status": "succeeded"},
    }
    assert parse_metric(f"METRIC: {json.dumps(point)}") == Metric(
        "timer", "sync_duration", 0.09, stream="jsonl", status="succeeded"
    )


@pytest.mark.parametrize(
    "line",
    [
        "Beginning sync of 'users'",
        "METRIC: not json",
        "METRIC: [1, 2]",
        'METRIC: {"type": "counter", "metric": "record_count", "value": true}',
        'METRIC: {"type": "counter", "metric": "record_count", "value": "12"}',
        'METRIC: {"metric": "record_count", "value": 1}',
        '{"level": "info", "message": "METRICS are great"}',
        '{"level": "info", "message": "METRIC", "metric_info": "broken"}',
        '{"broken json METRIC: {"type": "counter", "metric": "x", "value": 1}',
        "[1, 2, 3] METRIC",
        '{"a": 1}',
    ],
)
def test_other_lines_are_no_metric(line: str) -> None:
    expected = None
    if line.startswith('{"broken'):  # a text prefix that starts with a brace still counts
        expected = Metric("counter", "x", 1)
    assert parse_metric(line) == expected


def test_a_metric_without_tags_has_no_stream() -> None:
    assert parse_metric('METRIC: {"type": "counter", "metric": "record_count", "value": 3}') == (
        Metric("counter", "record_count", 3)
    )


def test_plugin_logs_hand_over_metrics_at_any_log_level() -> None:
    seen: list[tuple[int, Metric]] = []
    logging.getLogger("tap-quiet").setLevel(logging.ERROR)
    try:
        logs = PluginLogs(["tap-quiet", "target-x"], on_metric=lambda i, m: seen.append((i, m)))
        line = ("METRIC: " + json.dumps(POINT)).encode()
        logs.many(0, [b"hello", line, b"bye"])
        logs(1, line)
        logs(1, b"no metric here")
        logs.many(1, [b"nothing", b"at all"])
    finally:
        logging.getLogger("tap-quiet").setLevel(logging.NOTSET)
    assert seen == [(0, USERS), (1, USERS)]


def test_plugin_logs_still_log_metric_lines(caplog: pytest.LogCaptureFixture) -> None:
    logs = PluginLogs(["tap-x"], on_metric=lambda i, m: None)
    with caplog.at_level(logging.INFO, logger="tap-x"):
        logs.many(0, [b"METRIC: " + json.dumps(POINT).encode()])
    assert [r.getMessage() for r in caplog.records] == ["METRIC: " + json.dumps(POINT)]
