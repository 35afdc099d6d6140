"""How a run shows its progress while it runs: a live view on a terminal, log lines elsewhere.

On a terminal (stderr a TTY, a text log format) a live view rendered with rich stays at the
bottom of the screen: the steps of the run and, for the running one, a line per plugin and
stream with records so far, records per second, elapsed time and STATE messages. Log lines
(ours and the plugins') keep scrolling above it: the stderr log handlers write through the view
while it is up, so it never hides a warning or an error, and each line is written as it came,
unrendered. The view redraws at most 10 times a second: when something changed, or once a
second for the clock.

Anywhere else (CI, Airflow, `--log-format json`) `ProgressLog` writes a `progress` log line per
stream every `--progress-interval` seconds. rich is imported only when the live view starts.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from meltano.cli.summary_text import count, seconds
from meltano.core.runs.progress import Progress, ProgressLog, StepKind, StepProgress, StepStatus

if TYPE_CHECKING:
    from rich.console import RenderableType

#: Seconds between two redraws at most (10 a second), and between two clock ticks.
REDRAW_INTERVAL = 0.1
TICK_INTERVAL = 1.0
_MARKS = {StepStatus.SUCCESS: "[green]✓[/]", StepStatus.FAILED: "[red]✗[/]"}


def is_live_terminal(log_format: str, environ: dict[str, str] | None = None) -> bool:
    """Whether a live view fits: stderr is a terminal and log lines are meant for people."""
    environ = dict(os.environ) if environ is None else environ
    if log_format == "json" or environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


@contextlib.contextmanager
def showing_progress(progress: Progress, *, interval: float, live: bool) -> Iterator[None]:
    """Show `progress` while the block runs: live on a terminal, else as log lines."""
    if not live:
        with ProgressLog(progress, interval):
            yield
        return
    with LiveView(progress):
        yield


class LiveView:
    """The live view of a run: rendered by rich, kept at the bottom of the terminal by
    `_Region`, redrawn from a daemon thread."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="meltano-live", daemon=True)
        self._region: _Region | None = None
        self._console: Any = None
        self._out: Any = None  # the console the view is rendered with, into a string
        self._swapped: list[tuple[logging.StreamHandler[Any], Any]] = []
        self._stderr: Any = None

    def __enter__(self) -> LiveView:
        from rich.console import Console

        self._stderr = sys.stderr
        self._console = Console(file=self._stderr, stderr=True)  # to learn colours and width
        self._region = _Region(self._stderr)
        self._region.show(self._draw())
        self._swap_handlers(self._stderr, self._region)
        sys.stderr = self._region  # anyone else writing to stderr goes through it too
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        sys.stderr = self._stderr
        for handler, stream in self._swapped:
            handler.setStream(stream)
        assert self._region is not None  # set by __enter__
        self._region.close()  # the summary printed next says the same, for good

    def _swap_handlers(self, original: Any, region: _Region) -> None:
        """Point every log handler writing to our stderr at the region: lines then print
        above the view instead of through it."""
        loggers = [logging.getLogger()] + [
            logger
            for logger in list(logging.root.manager.loggerDict.values())
            if isinstance(logger, logging.Logger)
        ]
        for logger in loggers:
            for handler in logger.handlers:
                if isinstance(handler, logging.StreamHandler) and handler.stream is original:
                    self._swapped.append((handler, handler.setStream(region)))

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(REDRAW_INTERVAL):
            now = time.monotonic()
            if not self.progress.changed.is_set() and now - last < TICK_INTERVAL:
                continue
            self.progress.changed.clear()
            last = now
            try:
                assert self._region is not None  # set before the thread starts
                self._region.show(self._draw())
            except Exception:  # a failed redraw must never break the run
                continue

    def _draw(self) -> str:
        """The view as terminal text, one column narrower than the terminal (so no line
        wraps and the region's height is its number of lines)."""
        from rich.console import Console

        probe = self._console
        width = max(20, probe.width - 1)
        out = self._out
        if out is None or out.width != width:  # the first draw, or the terminal was resized
            out = self._out = Console(
                file=io.StringIO(),
                force_terminal=True,
                color_system=probe.color_system,
                width=width,
                no_color=probe.no_color,
            )
        buffer = out.file
        buffer.seek(0)
        buffer.truncate()
        out.print(self.render(), end="")
        text: str = buffer.getvalue()
        return text.rstrip("\n")

    def render(self) -> RenderableType:
        """The view: the steps, then the running step's table. In a parallel run, the leading
        blocks' steps, then each block set's steps with the table of its running one."""
        from rich.console import Group

        progress = self.progress
        if not progress.parts:
            lines = _steps(progress)
            current = progress.current
            if current is not None:  # the running step, or the last one as it ended
                lines += _table(progress, current)
            return Group(*lines)
        watched = progress.watched()
        lines = []
        for part in (progress, *progress.parts):
            lines += _steps(part, detailed=watched)
        return Group(*lines)


class _Region:
    """The bottom lines of a terminal, kept below everything else written to it.

    Log lines written here (through the log handlers, or `sys.stderr`) go to the terminal
    unchanged and whole, between erasing the region and drawing it again, in one write: a
    plugin that logs 100,000 lines costs bytes, not a render per line.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.lock = threading.RLock()
        self.view = ""  # the region's text, its lines without a final newline
        self.pending = ""  # the start of a log line whose newline has not come yet

    def _erase(self) -> str:
        if not self.view:
            return ""
        return "\r\x1b[2K" + "\x1b[1A\x1b[2K" * self.view.count("\n")

    def show(self, view: str) -> None:
        """Draw `view` in place of the region."""
        with self.lock:
            first = not self.view
            self._out(("\x1b[?25l" if first else "") + self._erase() + view)
            self.view = view

    def write(self, text: str) -> int:
        with self.lock:
            *lines, self.pending = (self.pending + text).split("\n")
            if lines:
                self._out(self._erase() + "\n".join(lines) + "\n" + self.view)
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return True

    def close(self) -> None:
        """Erase the region and give the cursor back; a started log line is finished."""
        with self.lock:
            rest = self.pending + "\n" if self.pending else ""
            self._out(self._erase() + rest + "\x1b[?25h")
            self.view = self.pending = ""

    def _out(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must not stop the run
            return


def _steps(progress: Progress, detailed: Sequence[StepProgress] = ()) -> list[Any]:
    """A line per step of `progress`, done, running or still to come; the table of each of
    the `detailed` steps under its line."""
    from rich.markup import escape
    from rich.text import Text

    now = progress.clock()
    lines: list[Any] = []
    for step in list(progress.steps):
        mark = _MARKS.get(step.status, "[cyan]▶[/]")
        lines.append(
            Text.from_markup(
                f"{mark} {escape(_step_name(step.name, step.kind))}  "
                f"[dim]{seconds(step.elapsed(now))}[/]"
            )
        )
        if any(step is shown for shown in detailed):
            lines += _table(progress, step, indent="  ")
    for name, kind in progress.planned[len(progress.steps) :]:
        lines.append(Text(f"· {_step_name(name, kind)}", style="dim"))
    return lines


_COLUMNS = ("plugin", "stream", "records", "records/s", "elapsed", "state msgs")


def _table(progress: Progress, step: StepProgress, *, indent: str = "") -> list[Any]:
    """The step's rows as aligned lines: plain text laid out here, a tenth of the cost of a
    rich Table (a redraw costs about 0.5 ms, so a run pays well under 1% for its view)."""
    from rich.text import Text

    rows = progress.rows(step)
    cells = [
        (
            row.plugin,
            row.stream or "no metrics",
            count(row.records),
            "—" if row.records_per_second is None else f"{row.records_per_second:,.0f}",
            seconds(row.elapsed_seconds),
            "" if row.state_messages is None else str(row.state_messages),
        )
        for row in rows
    ]
    widths = [max(len(c[i]) for c in [_COLUMNS, *cells]) for i in range(len(_COLUMNS))]

    def line(values: tuple[str, ...], style: str = "", dim_stream: bool = False) -> Any:
        text = Text(indent, no_wrap=True, overflow="crop")
        for index, (value, width) in enumerate(zip(values, widths, strict=True)):
            padded = value.ljust(width) if index < 2 else value.rjust(width)
            text.append(padded, style="dim" if dim_stream and index == 1 else style)
            text.append("  ")
        text.rstrip()
        return text

    return [line(_COLUMNS, "bold")] + [
        line(c, dim_stream=not r.stream) for c, r in zip(cells, rows, strict=True)
    ]


def _step_name(name: str, kind: StepKind) -> str:
    return " → ".join(name.split()) if kind is StepKind.EXTRACT_LOAD else name
