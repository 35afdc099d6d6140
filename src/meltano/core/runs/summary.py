"""What a run did, once it ended: printed, stored in the run record, and `--summary json`.

Per step: status and duration; for an extract-load set, the rows each stream had extracted
(the extractor's `record_count` metrics) and loaded (the loader's), which state was written,
and how each plugin exited; for a failed plugin, its last stderr lines. `to_document` gives
the JSON form documented in docs/run-summary.md (schema: docs/run-summary.schema.json);
`from_document` reads a stored step back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from meltano.core.errors import MeltanoError
from meltano.core.processes.outcome import PipelineError, ProcessResult, exit_status
from meltano.core.runs.progress import Progress, StepKind, StepProgress, StepStatus

#: The `version` of the JSON document; raised when a field changes meaning or goes away.
SCHEMA_VERSION = 1
SKIPPED = "skipped"  # a step after a failed one: it never started


@dataclass(frozen=True)
class StreamCount:
    """Rows of one stream: None where the plugin logs no counts."""

    stream: str
    extracted: int | None
    loaded: int | None


@dataclass(frozen=True)
class PluginExit:
    """How one plugin process of a step ended."""

    name: str
    plugin_type: str
    exit_code: int | None  # None: it never started
    failed: bool = False
    stderr_tail: tuple[str, ...] = ()  # only for a failed plugin


@dataclass(frozen=True)
class StateOutcome:
    """Which state a step wrote: `saved`, or `reason` why not."""

    state_id: str | None
    saved: bool
    messages: int  # STATE messages the loader sent
    reason: str | None = None


@dataclass(frozen=True)
class StepSummary:
    """One step of a run, as it ended."""

    name: str
    kind: StepKind
    status: str  # "success", "failed" or "skipped"
    duration_seconds: float
    run_id: str | None = None
    streams: tuple[StreamCount, ...] = ()
    plugins: tuple[PluginExit, ...] = ()
    state: StateOutcome | None = None
    error: str | None = None  # why it failed; for a skipped step, why it never started
    block_set: str | None = None  # in a `run --parallel` run, the block set it belongs to


@dataclass(frozen=True)
class Summary:
    """The whole run: its steps in order."""

    status: str  # "success" or "failed"
    duration_seconds: float
    steps: tuple[StepSummary, ...]
    error: str | None = None

    def block_sets(self) -> dict[str, str]:
        """A parallel run's block sets, in plan order, each with how it ended: failed if one
        of its steps failed, skipped if none ran (empty for a run without --parallel)."""
        statuses: dict[str, list[str]] = {}
        for step in self.steps:
            if step.block_set is not None:
                statuses.setdefault(step.block_set, []).append(step.status)
        return {
            name: StepStatus.FAILED.value
            if StepStatus.FAILED.value in ended
            else SKIPPED
            if all(status == SKIPPED for status in ended)
            else StepStatus.SUCCESS.value
            for name, ended in statuses.items()
        }


def state_outcome(
    state_id: str | None,
    *,
    updates: bool,
    messages: int,
    writes: int,
    failed: bool,
    started: bool = True,
) -> StateOutcome:
    """Say whether a step's state was saved, and if not, why."""
    if not updates:
        return StateOutcome(state_id, False, messages, "state updates are off (--no-state-update)")
    if writes:
        reason = "the progress made before the failure" if failed else None
        return StateOutcome(state_id, True, messages, reason)
    if not started:
        return StateOutcome(state_id, False, 0, "the step failed before its plugins started")
    if not messages:
        return StateOutcome(state_id, False, 0, "the loader sent no STATE message")
    return StateOutcome(state_id, False, messages, "storing it failed")


def describe_failure(failure: BaseException) -> str:
    """What a summary says of an error: a failed pipeline's plugins carry their own stderr
    lines, so its reason is enough; other errors keep their instruction."""
    if isinstance(failure, PipelineError):
        return failure.reason
    if isinstance(failure, MeltanoError):
        return f"{failure.reason}. {failure.instruction}" if failure.instruction else failure.reason
    if isinstance(failure, KeyboardInterrupt):
        return "The process was interrupted"
    return f"Unexpected error: {type(failure).__name__}: {failure}"


def stream_counts(step: StepProgress) -> tuple[StreamCount, ...]:
    """Extracted and loaded rows per stream, the extractor's streams first. With several
    loaders (a fan-out), `loaded` is the fewest rows any of those that count has loaded."""
    extracted = step.records("extractor")
    counting = [p for p in step.plugins if p.plugin_type == "loader" and p.has_metrics]
    loaded: dict[str, int] = {}
    for plugin in counting:
        for stream in list(plugin.streams.values()):
            loaded[stream.stream] = min(loaded.get(stream.stream, stream.records), stream.records)
    if len(counting) > 1:  # a stream one loader never counted: that loader loaded none of it
        for name in loaded:
            if any(name not in plugin.streams for plugin in counting):
                loaded[name] = 0
    counted = {p.plugin_type for p in step.plugins if p.has_metrics}
    names = list(extracted) + [name for name in loaded if name not in extracted]
    return tuple(
        StreamCount(
            name,
            extracted.get(name, 0) if "extractor" in counted else None,
            loaded.get(name, 0) if counting else None,
        )
        for name in names
    )


def plugin_exits(step: StepProgress, results: Sequence[ProcessResult]) -> tuple[PluginExit, ...]:
    """Each plugin's exit code; without results (it failed before starting) None."""
    if not results:
        return tuple(PluginExit(p.name, p.plugin_type, None) for p in step.plugins)
    return tuple(
        PluginExit(
            result.name,
            result.plugin_type,
            exit_status(result.returncode),
            result.failed,
            result.stderr_tail if result.failed else (),
        )
        for result in results
    )


def finish_step(progress: Progress, step: StepProgress, *, error: str | None) -> StepSummary:
    """End a step and summarize it from what the runner recorded on it; once (later calls
    return the first summary, so both the run record and the run's summary can ask)."""
    if step.summary is not None:
        return step.summary
    progress.end_step(step, ok=error is None)
    state = None
    if step.state_id is not None:
        state = state_outcome(
            step.state_id,
            updates=step.state_updates,
            messages=step.state_messages,
            writes=step.state_writes,
            failed=error is not None,
            started=bool(step.results) or step.state_messages > 0,
        )
    step.summary = summarize_step(
        step,
        now=progress.clock(),
        results=step.results,
        state=state,
        error=error,
        run_id=step.run_id,
        block_set=progress.block_set,
    )
    return step.summary


def summarize_step(
    step: StepProgress,
    *,
    now: float,
    results: Sequence[ProcessResult] = (),
    state: StateOutcome | None = None,
    error: str | None = None,
    run_id: str | None = None,
    block_set: str | None = None,
) -> StepSummary:
    """The summary of a step that ended."""
    return StepSummary(
        name=step.name,
        kind=step.kind,
        status=StepStatus.FAILED.value if error else StepStatus.SUCCESS.value,
        duration_seconds=round(step.elapsed(now), 3),
        run_id=run_id,
        streams=stream_counts(step) if step.kind is StepKind.EXTRACT_LOAD else (),
        plugins=plugin_exits(step, results),
        state=state,
        error=error,
        block_set=block_set,
    )


def summarize_run(progress: Progress, *, error: str | None) -> Summary:
    """The run's summary: the steps that ran (a retried block once per attempt), then those
    planned that never started; in a parallel run, then each block set's, in plan order.
    The run failed when it ended with an error."""
    steps = _summarized(progress)
    # A block set none of whose steps started, after the leading blocks succeeded, was kept
    # from starting by a stop (a signal, or --fail-fast).
    stopped = "the run stopped before this block set started"
    leading_ok = all(step.status != StepStatus.FAILED.value for step in steps)
    for part in progress.parts:
        steps += _summarized(part, why=stopped if leading_ok and not part.steps else None)
    return Summary(
        status="failed" if error else "success",
        duration_seconds=round(progress.clock() - progress.started_at, 3),
        steps=tuple(steps),
        error=error,
    )


def _summarized(progress: Progress, *, why: str | None = None) -> list[StepSummary]:
    """The summaries of one run's (or block set's) steps, then its planned steps not reached
    (skipped: `why`, by default because an earlier step failed)."""
    steps = [step.summary for step in progress.steps if step.summary is not None]
    planned, reached = progress.planned, 0
    for step in steps:  # a retry repeats the block before it: it reaches nothing new
        if reached < len(planned) and step.name == planned[reached][0]:
            reached += 1
    return steps + [
        StepSummary(name, kind, SKIPPED, 0.0, error=why, block_set=progress.block_set)
        for name, kind in planned[reached:]
    ]


def to_document(summary: Summary) -> dict[str, Any]:
    """The JSON document of a run's summary."""
    return {
        "version": SCHEMA_VERSION,
        "status": summary.status,
        "duration_seconds": summary.duration_seconds,
        "error": summary.error,
        "steps": [step_document(step) for step in summary.steps],
    }


def step_document(step: StepSummary) -> dict[str, Any]:
    """The JSON form of one step, as the run record stores it; `block_set` only in a
    parallel run."""
    document = {
        "name": step.name,
        "kind": step.kind.value,
        "status": step.status,
        "duration_seconds": step.duration_seconds,
        "run_id": step.run_id,
        "streams": [
            {"stream": s.stream, "extracted": s.extracted, "loaded": s.loaded} for s in step.streams
        ],
        "plugins": [
            {
                "name": p.name,
                "plugin_type": p.plugin_type,
                "exit_code": p.exit_code,
                "failed": p.failed,
                "stderr_tail": list(p.stderr_tail),
            }
            for p in step.plugins
        ],
        "state": None
        if step.state is None
        else {
            "state_id": step.state.state_id,
            "saved": step.state.saved,
            "messages": step.state.messages,
            "reason": step.state.reason,
        },
        "error": step.error,
    }
    if step.block_set is not None:
        document["block_set"] = step.block_set
    return document


def from_step_document(document: Mapping[str, Any]) -> StepSummary:
    """Read back a stored step (`step_document`'s output); KeyError/ValueError if it is not one."""
    state = document.get("state")
    return StepSummary(
        name=str(document["name"]),
        kind=StepKind(document["kind"]),
        status=str(document["status"]),
        duration_seconds=float(document["duration_seconds"]),
        run_id=document.get("run_id"),
        streams=tuple(
            StreamCount(str(s["stream"]), s.get("extracted"), s.get("loaded"))
            for s in document.get("streams", ())
        ),
        plugins=tuple(
            PluginExit(
                str(p["name"]),
                str(p["plugin_type"]),
                p.get("exit_code"),
                bool(p.get("failed")),
                tuple(str(line) for line in p.get("stderr_tail", ())),
            )
            for p in document.get("plugins", ())
        ),
        state=None
        if not isinstance(state, Mapping)
        else StateOutcome(
            state.get("state_id"),
            bool(state.get("saved")),
            int(state.get("messages") or 0),
            state.get("reason"),
        ),
        error=document.get("error"),
        block_set=document.get("block_set"),
    )
