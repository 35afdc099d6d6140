from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from meltano.cli.summary_text import render_run, render_step, seconds
from meltano.core.processes.metrics import Metric
from meltano.core.processes.outcome import ProcessResult
from meltano.core.runs.progress import Progress, StepKind
from meltano.core.runs.summary import (
    StateOutcome,
    finish_step,
    from_step_document,
    state_outcome,
    step_document,
    summarize_run,
    summarize_step,
    to_document,
)

SCHEMA = json.loads((Path(__file__).parents[3] / "docs" / "run-summary.schema.json").read_text())


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def run_with_one_set(*, fail: bool = False):
    clock = Clock()
    progress = Progress(clock)
    step = progress.start_step(
        "tap-x map-y target-z",
        StepKind.EXTRACT_LOAD,
        [("tap-x", "extractor"), ("map-y", "mapper"), ("target-z", "loader")],
    )
    progress.on_metric(0, Metric("counter", "record_count", 1500, stream="users"))
    progress.on_metric(0, Metric("counter", "record_count", 700, stream="orders"))
    progress.on_metric(1, Metric("counter", "record_count", 2200, stream="users"))
    progress.on_metric(2, Metric("counter", "record_count", 1500, stream="users"))
    progress.on_metric(2, Metric("counter", "record_count", 9, stream="renamed"))
    progress.on_state_message()
    clock.now = 2.5
    progress.end_step(step, ok=not fail)
    results = [
        ProcessResult("tap-x", "extractor", 3 if fail else 0, stderr_tail=("boom", "Error: x")),
        ProcessResult("map-y", "mapper", 0),
        ProcessResult("target-z", "loader", 0),
    ]
    state = state_outcome("dev:tap-x-to-target-z", updates=True, messages=1, writes=1, failed=fail)
    error = "Extractor tap-x failed with exit code 3" if fail else None
    summary = summarize_step(
        step, now=clock.now, results=results, state=state, error=error, run_id="r-1"
    )
    step.summary = summary
    clock.now = 3.0
    progress.planned = [("tap-x map-y target-z", StepKind.EXTRACT_LOAD)]
    if fail:
        progress.planned.append(("dbt:run", StepKind.COMMAND))
    return summarize_run(progress, error=error)


def test_streams_have_extracted_and_loaded_rows() -> None:
    summary = run_with_one_set()
    step = summary.steps[0]
    assert [(s.stream, s.extracted, s.loaded) for s in step.streams] == [
        ("users", 1500, 1500),
        ("orders", 700, 0),
        ("renamed", 0, 9),
    ]
    assert [(p.name, p.exit_code, p.failed) for p in step.plugins] == [
        ("tap-x", 0, False),
        ("map-y", 0, False),
        ("target-z", 0, False),
    ]
    assert summary.status == "success"
    assert len(summary.steps) == 1


def test_steps_after_a_failed_one_are_skipped() -> None:
    summary = run_with_one_set(fail=True)
    assert summary.status == "failed"
    assert [(s.name, s.status) for s in summary.steps] == [
        ("tap-x map-y target-z", "failed"),
        ("dbt:run", "skipped"),
    ]


def test_a_fan_out_loaded_the_fewest_rows_any_counting_loader_loaded() -> None:
    progress = Progress(Clock())
    step = progress.start_step(
        "tap-x target-a target-b target-c",
        StepKind.EXTRACT_LOAD,
        [("tap-x", "extractor"), ("target-a", "loader"), ("target-b", "loader"),
         ("target-c", "loader")],
    )  # fmt: skip
    progress.on_metric(0, Metric("counter", "record_count", 10, stream="users"))
    progress.on_metric(0, Metric("counter", "record_count", 4, stream="orders"))
    progress.on_metric(1, Metric("counter", "record_count", 10, stream="users"))
    progress.on_metric(1, Metric("counter", "record_count", 4, stream="orders"))
    progress.on_metric(2, Metric("counter", "record_count", 7, stream="users"))
    # target-c logs no metrics: it does not count
    summary = summarize_step(step, now=1.0)
    assert [(s.stream, s.extracted, s.loaded) for s in summary.streams] == [
        ("users", 10, 7),
        ("orders", 4, 0),
    ]


def test_a_plugin_without_metrics_has_unknown_counts() -> None:
    progress = Progress(Clock())
    step = progress.start_step(
        "tap-x target-y", StepKind.EXTRACT_LOAD, [("tap-x", "extractor"), ("target-y", "loader")]
    )
    progress.on_metric(0, Metric("counter", "record_count", 5, stream="users"))
    summary = summarize_step(step, now=1.0)
    assert [(s.stream, s.extracted, s.loaded) for s in summary.streams] == [("users", 5, None)]
    assert [p.exit_code for p in summary.plugins] == [None, None]


def test_the_document_follows_the_schema_and_reads_back() -> None:
    for fail in (False, True):
        summary = run_with_one_set(fail=fail)
        document = to_document(summary)
        jsonschema.validate(document, SCHEMA)
        json.dumps(document)
        for step in summary.steps:
            assert from_step_document(json.loads(json.dumps(step_document(step)))) == step
    failed = to_document(run_with_one_set(fail=True))["steps"][0]
    assert failed["plugins"][0] == {
        "name": "tap-x",
        "plugin_type": "extractor",
        "exit_code": 3,
        "failed": True,
        "stderr_tail": ["boom", "Error: x"],
    }
    assert failed["state"]["reason"] == "the progress made before the failure"


def test_the_schema_rejects_a_document_without_steps() -> None:
    document = to_document(run_with_one_set())
    del document["steps"]
    try:
        jsonschema.validate(document, SCHEMA)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted a document without steps")


def test_finish_step_summarizes_what_the_runner_recorded_once() -> None:
    clock = Clock()
    progress = Progress(clock)
    progress.planned = [("tap-x target-y", StepKind.EXTRACT_LOAD)]
    step = progress.start_step(
        "tap-x target-y", StepKind.EXTRACT_LOAD, [("tap-x", "extractor"), ("target-y", "loader")]
    )
    step.run_id, step.state_id, step.state_writes = "r-2", "dev:tap-x-to-target-y", 2
    step.results = (ProcessResult("tap-x", "extractor", 0), ProcessResult("target-y", "loader", 0))
    progress.on_state_message()
    clock.now = 1.25
    first = finish_step(progress, step, error=None)
    clock.now = 9.0
    assert finish_step(progress, step, error="later") is first
    assert first.status == "success"
    assert first.duration_seconds == 1.25
    assert first.run_id == "r-2"
    assert first.state == StateOutcome("dev:tap-x-to-target-y", True, 1)
    summary = summarize_run(progress, error=None)
    assert (summary.status, summary.duration_seconds, summary.steps) == ("success", 9.0, (first,))


def test_a_retried_block_shows_each_attempt_and_the_run_succeeds() -> None:
    progress = Progress(Clock())
    progress.planned = [("tap-x target-y", StepKind.EXTRACT_LOAD)]
    plugins = [("tap-x", "extractor"), ("target-y", "loader")]
    first = progress.start_step("tap-x target-y", StepKind.EXTRACT_LOAD, plugins)
    finish_step(progress, first, error="Extractor tap-x failed with exit code 1")
    again = progress.start_step("tap-x target-y", StepKind.EXTRACT_LOAD, plugins)
    finish_step(progress, again, error=None)
    summary = summarize_run(progress, error=None)
    assert summary.status == "success"
    assert [(s.name, s.status) for s in summary.steps] == [
        ("tap-x target-y", "failed"),
        ("tap-x target-y", "success"),
    ]


def test_why_state_was_not_saved() -> None:
    assert state_outcome("s", updates=False, messages=3, writes=0, failed=False) == StateOutcome(
        "s", False, 3, "state updates are off (--no-state-update)"
    )
    assert state_outcome("s", updates=True, messages=0, writes=0, failed=False).reason == (
        "the loader sent no STATE message"
    )
    assert state_outcome("s", updates=True, messages=2, writes=1, failed=False) == StateOutcome(
        "s", True, 2
    )


def test_text_summary_of_a_successful_set() -> None:
    step = run_with_one_set().steps[0]
    assert render_step(step) == (
        "✓ tap-x → map-y → target-z: success in 2.50s\n"
        "    stream      extracted        loaded\n"
        "    users           1,500         1,500\n"
        "    orders            700             0\n"
        "    renamed             0             9\n"
        "    state: saved for dev:tap-x-to-target-z, 1 STATE message\n"
        "    exit codes: tap-x 0, map-y 0, target-z 0"
    )


def test_text_summary_of_a_failed_run_names_the_plugin_and_its_last_lines() -> None:
    text = render_run(run_with_one_set(fail=True))
    assert text.splitlines()[0] == "Run summary: failed in 3.00s"
    assert "  ✗ tap-x → map-y → target-z: failed in 2.50s" in text
    assert "      error: Extractor tap-x failed with exit code 3" in text
    assert "      last lines tap-x wrote on stderr:\n        boom\n        Error: x" in text
    assert "state: saved for dev:tap-x-to-target-z (the progress made before the failure)" in text
    assert "  - dbt:run: skipped (an earlier step failed)" in text


def test_human_durations() -> None:
    assert [seconds(v) for v in (0.421, 12.34, 245, 3720)] == ["0.42s", "12.3s", "4m 05s", "1h 02m"]


def parallel_run(*, leading_fails: bool = False) -> tuple[Progress, Clock]:
    """A parallel run of `dbt:deps` then three block sets: a succeeds, b fails, c never
    starts (with `leading_fails`, dbt:deps fails and no set starts)."""
    clock = Clock()
    progress = Progress(clock)
    progress.planned = [("dbt:deps", StepKind.COMMAND)]
    names = ("tap-a target-x", "tap-b target-x", "tap-c target-x")
    parts = [
        progress.part(name, [(name, StepKind.EXTRACT_LOAD), ("dbt:run", StepKind.COMMAND)])
        for name in names
    ]
    deps = progress.start_step("dbt:deps", StepKind.COMMAND, [("dbt", "transformer")])
    finish_step(progress, deps, error="dbt failed" if leading_fails else None)
    if leading_fails:
        return progress, clock
    plugins = [("tap", "extractor"), ("target-x", "loader")]
    a = parts[0].start_step(names[0], StepKind.EXTRACT_LOAD, plugins)
    b = parts[1].start_step(names[1], StepKind.EXTRACT_LOAD, plugins)
    parts[0].on_metric(0, Metric("counter", "record_count", 10, stream="users"))
    parts[1].on_metric(0, Metric("counter", "record_count", 3, stream="orders"))
    clock.now = 1.0
    finish_step(parts[1], b, error="Loader target-x failed with exit code 5")
    finish_step(parts[0], a, error=None)
    run = parts[0].start_step("dbt:run", StepKind.COMMAND, [("dbt", "transformer")])
    finish_step(parts[0], run, error=None)
    return progress, clock


def test_a_parallel_run_lists_each_block_set_in_plan_order() -> None:
    progress, _ = parallel_run()
    summary = summarize_run(progress, error="Loader target-x failed with exit code 5")
    assert [(s.name, s.status, s.block_set) for s in summary.steps] == [
        ("dbt:deps", "success", None),
        ("tap-a target-x", "success", "tap-a target-x"),
        ("dbt:run", "success", "tap-a target-x"),
        ("tap-b target-x", "failed", "tap-b target-x"),
        ("dbt:run", "skipped", "tap-b target-x"),
        ("tap-c target-x", "skipped", "tap-c target-x"),
        ("dbt:run", "skipped", "tap-c target-x"),
    ]
    assert [(s.stream, s.extracted) for s in summary.steps[1].streams] == [("users", 10)]
    assert [(s.stream, s.extracted) for s in summary.steps[3].streams] == [("orders", 3)]
    assert summary.steps[4].error is None  # skipped after its set's failure
    assert summary.steps[5].error == "the run stopped before this block set started"
    assert summary.block_sets() == {
        "tap-a target-x": "success",
        "tap-b target-x": "failed",
        "tap-c target-x": "skipped",
    }
    document = to_document(summary)
    jsonschema.validate(document, SCHEMA)
    assert "block_set" not in document["steps"][0]
    assert document["steps"][1]["block_set"] == "tap-a target-x"
    assert from_step_document(document["steps"][3]).block_set == "tap-b target-x"
    text = render_run(summary)
    assert text.splitlines()[0].endswith(
        "; 3 block sets side by side: 1 success, 1 failed, 1 skipped"
    )
    assert "- tap-c → target-x: skipped (the run stopped before this block set started)" in text


def test_block_sets_after_failed_leading_blocks_are_skipped_for_that_failure() -> None:
    progress, _ = parallel_run(leading_fails=True)
    summary = summarize_run(progress, error="dbt failed")
    assert [(s.name, s.status, s.error) for s in summary.steps][:2] == [
        ("dbt:deps", "failed", "dbt failed"),
        ("tap-a target-x", "skipped", None),
    ]
    assert set(summary.block_sets().values()) == {"skipped"}


def test_a_run_without_parallel_sets_has_no_block_set_fields() -> None:
    summary = run_with_one_set()
    assert summary.block_sets() == {}
    assert "block_set" not in to_document(summary)["steps"][0]
    assert "side by side" not in render_run(summary)
