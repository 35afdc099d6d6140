"""The live view's terminal region, and when a live view is used at all."""

from __future__ import annotations

import io
import logging

from meltano.cli.live_progress import LiveView, _Region, is_live_terminal
from meltano.core.processes.metrics import Metric
from meltano.core.runs.progress import Progress, StepKind

UP = "\x1b[1A\x1b[2K"


def test_log_lines_go_above_the_region_whole_in_one_write() -> None:
    stream = io.StringIO()
    region = _Region(stream)
    region.show("view one\nview two")
    assert stream.getvalue() == "\x1b[?25lview one\nview two"
    stream.truncate(0)
    stream.seek(0)
    region.write("first log line, " + "long " * 50)  # no newline yet: nothing written
    assert stream.getvalue() == ""
    region.write("end\nsecond\n")
    assert stream.getvalue() == (
        "\r\x1b[2K" + UP + "first log line, " + "long " * 50 + "end\nsecond\nview one\nview two"
    )
    stream.truncate(0)
    stream.seek(0)
    region.write("unfinished")
    region.close()
    assert stream.getvalue() == "\r\x1b[2K" + UP + "unfinished\n\x1b[?25h"


def test_no_live_view_for_json_logs_dumb_terminals_or_pipes() -> None:
    assert not is_live_terminal("json", {})
    assert not is_live_terminal("colored", {"TERM": "dumb"})
    assert not is_live_terminal("colored", {})  # pytest's stderr is no terminal


def test_the_view_renders_steps_and_streams_and_swaps_log_handlers_back() -> None:
    progress = Progress()
    progress.planned = [("tap-x target-y", StepKind.EXTRACT_LOAD), ("dbt:run", StepKind.COMMAND)]
    progress.start_step(
        "tap-x target-y", StepKind.EXTRACT_LOAD, [("tap-x", "extractor"), ("target-y", "loader")]
    )
    progress.on_metric(0, Metric("counter", "record_count", 12345, stream="[users]"))
    view = LiveView(progress)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("meltano-live-test")
    logger.addHandler(handler)
    try:
        region = _Region(stream)
        view._swap_handlers(stream, region)
        assert handler.stream is region
        from rich.console import Console

        view._console = Console(file=io.StringIO(), width=100, color_system=None)
        text = view._draw()
    finally:
        for swapped, original in view._swapped:
            swapped.setStream(original)
        logger.removeHandler(handler)
    assert handler.stream is stream
    lines = text.splitlines()
    assert lines[0].startswith("▶ tap-x → target-y")
    assert lines[1] == "· dbt:run"
    assert lines[2].split() == [
        "plugin",
        "stream",
        "records",
        "records/s",
        "elapsed",
        "state",
        "msgs",
    ]
    assert lines[3].split()[:3] == ["tap-x", "[users]", "12,345"]  # a name is never markup
    assert lines[4].split()[:4] == ["target-y", "no", "metrics", "—"]
    assert max(map(len, lines)) < 100


def test_a_parallel_view_shows_each_set_with_the_table_of_each_running_one() -> None:
    progress = Progress(lambda: 4.0)
    plugins = [("tap-a", "extractor"), ("target-x", "loader")]
    progress.planned = [("dbt:deps", StepKind.COMMAND)]
    deps = progress.start_step("dbt:deps", StepKind.COMMAND, [("dbt", "transformer")])
    progress.end_step(deps, ok=True)
    a = progress.part("tap-a target-x", [("tap-a target-x", StepKind.EXTRACT_LOAD)])
    b = progress.part("tap-b target-x", [("tap-b target-x", StepKind.EXTRACT_LOAD)])
    progress.part("tap-c target-x", [("tap-c target-x", StepKind.EXTRACT_LOAD)])
    a.start_step("tap-a target-x", StepKind.EXTRACT_LOAD, plugins)
    b.start_step("tap-b target-x", StepKind.EXTRACT_LOAD, plugins)
    a.on_metric(0, Metric("counter", "record_count", 700, stream="users"))
    b.on_metric(0, Metric("counter", "record_count", 30, stream="orders"))
    from rich.console import Console

    view = LiveView(progress)
    view._console = Console(file=io.StringIO(), width=100, color_system=None)
    lines = view._draw().splitlines()
    assert lines[0].startswith("✓ dbt:deps")
    assert lines[1].startswith("▶ tap-a → target-x")
    assert lines[2].split()[:2] == ["plugin", "stream"] and lines[2].startswith("  ")
    assert lines[3].split()[:3] == ["tap-a", "users", "700"]
    assert lines[4].split()[:3] == ["target-x", "no", "metrics"]
    assert lines[5].startswith("▶ tap-b → target-x")
    assert lines[7].split()[:3] == ["tap-a", "orders", "30"]
    assert lines[9] == "· tap-c → target-x"
    assert len(lines) == 10
