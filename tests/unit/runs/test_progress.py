from __future__ import annotations

import time

import structlog

from meltano.core.processes.metrics import Metric
from meltano.core.runs.progress import (
    Progress,
    ProgressLog,
    ProgressRow,
    StepKind,
    StepStatus,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def count(stream: str | None, value: int) -> Metric:
    return Metric("counter", "record_count", value, stream=stream)


def started(clock: Clock) -> Progress:
    progress = Progress(clock)
    progress.start_step(
        "tap-x target-y",
        StepKind.EXTRACT_LOAD,
        [("tap-x", "extractor"), ("target-y", "loader")],
    )
    return progress


def test_counters_are_deltas_summed_per_plugin_and_stream() -> None:
    clock = Clock()
    progress = started(clock)
    clock.now = 110.0
    progress.on_metric(0, count("users", 100))
    progress.on_metric(0, count("users", 50))
    progress.on_metric(0, count("orders", 7))
    progress.on_metric(1, count("users", 120))
    progress.on_metric(0, Metric("counter", "http_request_count", 3, stream="users"))
    progress.on_metric(5, count("users", 1))  # no such plugin: ignored
    step = progress.current
    assert step is not None
    assert step.records("extractor") == {"users": 150, "orders": 7}
    assert step.records("loader") == {"users": 120}
    rows = progress.rows()
    assert rows[0] == ProgressRow(
        "tap-x target-y",
        "tap-x",
        "extractor",
        "users",
        150,
        15.0,
        10.0,
        None,
        StepStatus.RUNNING,
    )
    assert [(r.plugin, r.stream, r.records) for r in rows] == [
        ("tap-x", "users", 150),
        ("tap-x", "orders", 7),
        ("target-y", "users", 120),
    ]


def test_a_plugin_without_metrics_shows_elapsed_time_and_state_messages() -> None:
    clock = Clock()
    progress = started(clock)
    progress.on_state_message()
    progress.on_state_message()
    clock.now = 103.5
    rows = progress.rows()
    assert [(r.plugin, r.stream, r.records, r.elapsed_seconds, r.state_messages) for r in rows] == [
        ("tap-x", None, None, 3.5, None),
        ("target-y", None, None, 3.5, 2),
    ]


def test_an_ended_step_stops_its_clock() -> None:
    clock = Clock()
    progress = started(clock)
    step = progress.current
    assert step is not None
    clock.now = 102.0
    progress.end_step(step, ok=False)
    clock.now = 500.0
    assert step.elapsed(clock.now) == 2.0
    assert step.status is StepStatus.FAILED
    assert progress.rows()[0].elapsed_seconds == 2.0


def test_sync_duration_is_kept_per_stream() -> None:
    progress = started(Clock())
    progress.on_metric(0, Metric("timer", "sync_duration", 1.5, stream="users"))
    step = progress.current
    assert step is not None
    assert step.plugins[0].sync_seconds == {"users": 1.5}
    assert not step.plugins[0].has_metrics


def test_metrics_before_any_step_are_ignored() -> None:
    progress = Progress(Clock())
    progress.on_metric(0, count("users", 1))
    progress.on_state_message()
    assert progress.rows() == []


def test_progress_log_logs_one_line_per_row() -> None:
    clock = Clock()
    progress = started(clock)
    clock.now = 104.0
    progress.on_metric(0, count("users", 10))
    with structlog.testing.capture_logs() as logs:
        ProgressLog(progress, 30).emit()
    assert logs == [
        {
            "event": "progress",
            "log_level": "info",
            "step": "tap-x target-y",
            "plugin": "tap-x",
            "stream": "users",
            "records": 10,
            "records_per_second": 2.5,
            "elapsed_seconds": 4.0,
        },
        {
            "event": "progress",
            "log_level": "info",
            "step": "tap-x target-y",
            "plugin": "target-y",
            "elapsed_seconds": 4.0,
            "state_messages": 0,
        },
    ]


def test_progress_log_thread_logs_every_interval_and_stops() -> None:
    progress = started(Clock())
    with structlog.testing.capture_logs() as logs:
        with ProgressLog(progress, 0.05):
            deadline = time.monotonic() + 10
            while len(logs) < 4 and time.monotonic() < deadline:
                time.sleep(0.01)
        seen = len(logs)
        time.sleep(0.15)
    assert seen >= 4
    assert len(logs) == seen  # nothing after the block


def test_interval_zero_logs_nothing() -> None:
    progress = started(Clock())
    with structlog.testing.capture_logs() as logs, ProgressLog(progress, 0) as reporter:
        assert not reporter._thread.is_alive()
    assert logs == []


def test_a_parallel_run_watches_each_running_block_set() -> None:
    progress = Progress(lambda: 1.0)
    a = progress.part("tap-a target-x", [("tap-a target-x", StepKind.EXTRACT_LOAD)])
    b = progress.part("tap-b target-x", [("tap-b target-x", StepKind.EXTRACT_LOAD)])
    c = progress.part("tap-c target-x", [("tap-c target-x", StepKind.EXTRACT_LOAD)])
    assert not progress.started and progress.watched() == []
    assert a.changed is progress.changed is c.changed  # one event wakes the view
    plugins = [("tap", "extractor"), ("target-x", "loader")]
    step_a = a.start_step("tap-a target-x", StepKind.EXTRACT_LOAD, plugins)
    step_b = b.start_step("tap-b target-x", StepKind.EXTRACT_LOAD, plugins)
    a.on_metric(0, Metric("counter", "record_count", 5, stream="users"))
    b.on_state_message()
    assert progress.started
    assert progress.watched() == [step_a, step_b]
    assert step_a.records("extractor") == {"users": 5} and step_b.records("extractor") == {}
    assert (step_a.state_messages, step_b.state_messages) == (0, 1)  # each set its own
    a.end_step(step_a, ok=True)
    assert progress.watched() == [step_b]


def test_progress_log_logs_every_running_block_set() -> None:
    progress = Progress(lambda: 2.0)
    for name in ("tap-a target-x", "tap-b target-x"):
        part = progress.part(name, [(name, StepKind.EXTRACT_LOAD)])
        part.start_step(name, StepKind.EXTRACT_LOAD, [("tap", "extractor")])
    with structlog.testing.capture_logs() as logs:
        ProgressLog(progress, 30).emit()
    assert [(e["event"], e["step"]) for e in logs] == [
        ("progress", "tap-a target-x"),
        ("progress", "tap-b target-x"),
    ]
