"""The end-of-run summary as text: printed after `meltano run`/`el`, and by `meltano logs show`.

Plain text without rich: it is printed on every run, where rich's import would cost more than
the rest of the summary (tests/e2e/test_run_imports.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from meltano.core.runs.progress import StepKind
from meltano.core.runs.summary import StepSummary, Summary

_MARKS = {"success": "✓", "failed": "✗", "skipped": "-"}


def render_run(summary: Summary) -> str:
    """The whole run: a headline, then each step."""
    lines = [f"Run summary: {summary.status} in {seconds(summary.duration_seconds)}"]
    sets = summary.block_sets()
    if sets:
        tally = ", ".join(
            f"{sum(1 for status in sets.values() if status == outcome)} {outcome}"
            for outcome in ("success", "failed", "skipped")
            if outcome in sets.values()
        )
        lines[0] += f"; {len(sets)} block sets side by side: {tally}"
    for step in summary.steps:
        lines += ["  " + line for line in step_lines(step)]
    if summary.error and not any(step.error for step in summary.steps):
        lines.append(f"  error: {summary.error}")
    return "\n".join(lines)


def render_step(step: StepSummary) -> str:
    """One step, as `meltano logs show` prints a run record's summary."""
    return "\n".join(step_lines(step))


def step_lines(step: StepSummary) -> Iterator[str]:
    """The lines of one step: headline, stream table, state, exit codes, error."""
    name = " → ".join(step.name.split()) if step.kind is StepKind.EXTRACT_LOAD else step.name
    mark = _MARKS.get(step.status, "?")
    if step.status == "skipped":
        yield f"{mark} {name}: skipped ({step.error or 'an earlier step failed'})"
        return
    yield f"{mark} {name}: {step.status} in {seconds(step.duration_seconds)}"
    started = any(p.exit_code is not None for p in step.plugins)
    if step.kind is StepKind.EXTRACT_LOAD and (started or step.streams):
        yield from _stream_table(step)
    if step.state is not None:
        yield "    " + _state_line(step)
    if step.plugins:
        codes = ", ".join(
            f"{p.name} {'not started' if p.exit_code is None else p.exit_code}"
            for p in step.plugins
        )
        yield f"    exit codes: {codes}"
    if step.error:
        first, *rest = step.error.splitlines() or [""]
        yield f"    error: {first}"
        if rest and not any(p.stderr_tail for p in step.plugins):
            yield from (f"      {line}" for line in rest)
    for plugin in step.plugins:
        if plugin.stderr_tail:
            yield f"    last lines {plugin.name} wrote on stderr:"
            yield from (f"      {line}" for line in plugin.stderr_tail)


def _stream_table(step: StepSummary) -> Iterator[str]:
    if not step.streams:
        yield "    no record counts (the plugins log no SDK metrics)"
        return
    width = max(len("stream"), *(len(s.stream) for s in step.streams))
    yield f"    {'stream':<{width}}  {'extracted':>12}  {'loaded':>12}"
    for stream in step.streams:
        yield (
            f"    {stream.stream:<{width}}  {count(stream.extracted):>12}  "
            f"{count(stream.loaded):>12}"
        )


def _state_line(step: StepSummary) -> str:
    state = step.state
    assert state is not None  # checked by the caller
    messages = f"{state.messages} STATE message{'s' if state.messages != 1 else ''}"
    if state.saved:
        detail = f" ({state.reason})" if state.reason else ""
        return f"state: saved for {state.state_id}{detail}, {messages}"
    return f"state: not saved for {state.state_id} because {state.reason}"


def count(value: int | None) -> str:
    """A record count with thousands separators; '—' when unknown."""
    return "—" if value is None else f"{value:,}"


def seconds(value: float) -> str:
    """A duration for people: 0.42s, 12.3s, 4m 05s, 1h 02m."""
    if value < 10:
        return f"{value:.2f}s"
    if value < 60:
        return f"{value:.1f}s"
    minutes, rest = divmod(int(value), 60)
    if minutes < 60:
        return f"{minutes}m {rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
