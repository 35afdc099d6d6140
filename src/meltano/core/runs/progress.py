"""What a run has done so far: per step (an extract-load set or a command), plugin and stream.

Fed only from what we already read: the SDK metrics on each plugin's stderr and the STATE lines
on the target's stdout. Records never pass through us, so a plugin that logs no metrics shows
its elapsed time (and, for a target, the STATE messages received) but no counts.

The pipeline's event loop writes; the live view's refresh thread and the progress log thread
only read. They read through `rows`, which copies the few small containers first (`list()` of a
dict runs without letting another thread in), so no lock is taken per metric.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from meltano.core.processes.metrics import Metric

if TYPE_CHECKING:
    from meltano.core.processes.outcome import ProcessResult
    from meltano.core.runs.summary import StepSummary

log = structlog.get_logger("meltano")

Clock = Callable[[], float]
#: `--progress-interval`'s default: seconds between two progress log lines off a terminal.
DEFAULT_INTERVAL = 30.0
RECORD_COUNT = "record_count"


class StepKind(enum.Enum):
    """What a step of a run is."""

    EXTRACT_LOAD = "extract_load"  # EXTRACTOR [MAPPER...] LOADER, on pipes
    COMMAND = "command"  # PLUGIN[:COMMAND], e.g. dbt:run


class StepStatus(enum.Enum):
    """Where a step is."""

    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


@dataclass
class StreamProgress:
    """Records one plugin counted for one stream."""

    stream: str
    records: int = 0
    updated_at: float | None = None  # when the last count arrived


@dataclass
class PluginProgress:
    """One plugin of a step and what its metrics said so far."""

    name: str
    plugin_type: str
    streams: dict[str, StreamProgress] = field(default_factory=dict)
    sync_seconds: dict[str, float] = field(default_factory=dict)  # from `sync_duration` timers

    @property
    def has_metrics(self) -> bool:
        """Whether the plugin counted any records so far."""
        return bool(self.streams)

    def count(self, stream: str, records: int, now: float) -> None:
        """Add a counter's delta to a stream."""
        progress = self.streams.get(stream)
        if progress is None:
            progress = self.streams[stream] = StreamProgress(stream)
        progress.records += records
        progress.updated_at = now


@dataclass
class StepProgress:
    """One step of a run while it runs."""

    name: str
    kind: StepKind
    plugins: list[PluginProgress]
    started_at: float
    ended_at: float | None = None
    status: StepStatus = StepStatus.RUNNING
    state_messages: int = 0  # STATE messages the target sent
    # What the runner learns as the step goes, for its summary:
    run_id: str | None = None
    results: tuple[ProcessResult, ...] = ()  # how each process ended, once they have
    state_id: str | None = None  # None: the step keeps no state (a command)
    state_updates: bool = True  # False with --no-state-update
    state_writes: int = 0
    summary: StepSummary | None = None  # set once, when the step ends

    def elapsed(self, now: float) -> float:
        """Seconds the step has run (until it ended)."""
        return (self.ended_at if self.ended_at is not None else now) - self.started_at

    def on_metric(self, index: int, metric: Metric, now: float) -> None:
        """Take one metric of plugin `index` (its position in the step)."""
        plugin = self.plugins[index]
        if metric.name == RECORD_COUNT and metric.kind == "counter":
            plugin.count(metric.stream or "(all streams)", int(metric.value), now)
        elif metric.name == "sync_duration" and metric.stream is not None:
            plugin.sync_seconds[metric.stream] = float(metric.value)

    def records(self, plugin_type: str) -> dict[str, int]:
        """Records per stream counted by the step's plugins of one type."""
        counts: dict[str, int] = {}
        for plugin in self.plugins:
            if plugin.plugin_type == plugin_type:
                for stream in list(plugin.streams.values()):
                    counts[stream.stream] = counts.get(stream.stream, 0) + stream.records
        return counts


@dataclass(frozen=True)
class ProgressRow:
    """One line of progress: a stream of a plugin, or a plugin that counts nothing."""

    step: str
    plugin: str
    plugin_type: str
    stream: str | None  # None: the plugin logged no record counts
    records: int | None
    records_per_second: float | None
    elapsed_seconds: float
    state_messages: int | None  # the target's row(s) only
    status: StepStatus


class Progress:
    """Every step of one run, in order; the last one is the one running.

    A `run --parallel` run has `parts`: one `Progress` per block set, each fed by the thread
    that runs the set, with its own steps and plan; the run's own steps are those run before
    the sets start (leading command blocks). All of them share one `changed` event and clock.
    """

    def __init__(
        self,
        clock: Clock = time.monotonic,
        *,
        changed: threading.Event | None = None,
        block_set: str | None = None,
    ) -> None:
        self.clock = clock
        self.started_at = clock()
        self.steps: list[StepProgress] = []
        self.planned: list[tuple[str, StepKind]] = []  # every step the run means to take
        self.changed = changed or threading.Event()  # set on every change; the view clears it
        self.block_set = block_set  # the block set this part runs (None: a whole run)
        self.parts: list[Progress] = []  # a parallel run's block sets, in plan order

    @property
    def current(self) -> StepProgress | None:
        """The step started last."""
        return self.steps[-1] if self.steps else None

    @property
    def started(self) -> bool:
        """Whether any step of the run (or of one of its parts) has started."""
        return bool(self.steps) or any(part.started for part in self.parts)

    def part(self, block_set: str, planned: Sequence[tuple[str, StepKind]]) -> Progress:
        """Add the progress of a block set that runs beside the others (`run --parallel`)."""
        part = Progress(self.clock, changed=self.changed, block_set=block_set)
        part.planned = list(planned)
        self.parts.append(part)
        self.changed.set()
        return part

    def watched(self) -> list[StepProgress]:
        """The steps to show in detail: the current one; in a parallel run, each running one
        (the leading blocks', then each block set's)."""
        if not self.parts:
            return [self.current] if self.current is not None else []
        return [
            step
            for progress in (self, *self.parts)
            if (step := progress.current) is not None and step.status is StepStatus.RUNNING
        ]

    def start_step(
        self, name: str, kind: StepKind, plugins: Sequence[tuple[str, str]]
    ) -> StepProgress:
        """Begin a step of `plugins`, (name, plugin type) pairs in pipeline order."""
        step = StepProgress(
            name, kind, [PluginProgress(n, t) for n, t in plugins], started_at=self.clock()
        )
        self.steps.append(step)
        self.changed.set()
        return step

    def end_step(self, step: StepProgress, *, ok: bool) -> None:
        """Mark a step finished."""
        step.ended_at = self.clock()
        step.status = StepStatus.SUCCESS if ok else StepStatus.FAILED
        self.changed.set()

    def on_metric(self, index: int, metric: Metric) -> None:
        """`PluginLogs(on_metric=...)`: a metric of plugin `index` of the current step."""
        step = self.current
        if step is not None and index < len(step.plugins):
            step.on_metric(index, metric, self.clock())
            self.changed.set()

    def on_state_message(self) -> None:
        """The current step's target sent a STATE message."""
        step = self.current
        if step is not None:
            step.state_messages += 1
            self.changed.set()

    def rows(self, step: StepProgress | None = None) -> list[ProgressRow]:
        """What to show of one step (the current one by default)."""
        step = step or self.current
        if step is None:
            return []
        now = self.clock()
        elapsed = step.elapsed(now)
        rows = []
        last = len(step.plugins) - 1
        for index, plugin in enumerate(list(step.plugins)):
            is_target = step.kind is StepKind.EXTRACT_LOAD and index == last
            state = step.state_messages if is_target else None
            streams = list(plugin.streams.values())
            if not streams:
                rows.append(
                    ProgressRow(
                        step.name,
                        plugin.name,
                        plugin.plugin_type,
                        None,
                        None,
                        None,
                        elapsed,
                        state,
                        step.status,
                    )
                )
            for stream in streams:
                rows.append(
                    ProgressRow(
                        step.name,
                        plugin.name,
                        plugin.plugin_type,
                        stream.stream,
                        stream.records,
                        stream.records / elapsed if elapsed > 0 else None,
                        elapsed,
                        state,
                        step.status,
                    )
                )
        return rows


class ProgressLog:
    """Off a terminal: one `progress` log line per row every `interval` seconds, from a
    daemon thread, while the run lasts (`with ProgressLog(progress, 30):`)."""

    def __init__(self, progress: Progress, interval: float) -> None:
        self.progress, self.interval = progress, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="meltano-progress", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.emit()
            except Exception:  # a progress line must never break the run
                continue

    def emit(self) -> None:
        """Log the rows of the current step (of each running one, in a parallel run) now."""
        rows = [row for step in self.progress.watched() for row in self.progress.rows(step)]
        for row in rows:
            fields = {
                "step": row.step,
                "plugin": row.plugin,
                "stream": row.stream,
                "records": row.records,
                "records_per_second": _rounded(row.records_per_second),
                "elapsed_seconds": round(row.elapsed_seconds, 1),
                "state_messages": row.state_messages,
            }
            log.info("progress", **{k: v for k, v in fields.items() if v is not None})

    def __enter__(self) -> ProgressLog:
        if self.interval > 0:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None
