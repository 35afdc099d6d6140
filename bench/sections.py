"""The benchmark's sections: each one measures its interleaved arms and prints its table.

Every section returns its figures as plain data (for `--json` and for the targets summary).
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from measure import Sample, Summary, interleave, measure
from workspace import Workspace, tap_env

LINE_WIDTH = 31  # pad of a record line: with its id and newline, about 100 bytes
STATE_EVERY = 10_000


@dataclass(frozen=True)
class Plan:
    """How much to run: the full benchmark or `--quick`."""

    rounds: int  # rounds of the cheap arms
    sizes: tuple[int, ...]  # record counts of the pipeline section
    big_rounds: int  # rounds at a million records
    big_reference_rounds: int  # rounds of 4.4.1 at a million records
    cold_rounds: int
    state_messages: int
    stderr_lines: int  # of stderr_width bytes each
    stderr_width: int = 100
    stderr_records: int = 100_000
    slow_reference_rounds: int = 1  # 4.4.1 with many STATE messages or much stderr
    catalog_sizes: tuple[int, ...] = (100, 500, 2_000, 10_000)  # streams
    catalog_rounds: int = 3  # below 2,000 streams
    catalog_big_rounds: int = 3  # at 2,000 streams and more
    catalog_reference_rounds: int = 2  # 4.4.1's arms
    catalog_reference_full: int = 2_000  # above this size, 4.4.1 runs only two arms, once
    # generated projects: (plugins, schedules, environments); the first (300, 200, 5) is the
    # big project every command runs on, the others show how `compile` grows
    project_shapes: tuple[tuple[int, int, int], ...] = (
        (300, 200, 5),
        (150, 100, 5),
        (300, 200, 10),
    )
    project_rounds: int = 5
    project_compile_rounds: int = 1  # compile of these projects takes minutes today (issue 19)
    project_reference_compile: bool = True  # 4.4.1's compile takes a minute or more: once
    quick: bool = False


FULL = Plan(
    rounds=5,
    sizes=(10_000, 100_000, 1_000_000),
    big_rounds=5,
    big_reference_rounds=3,
    cold_rounds=10,
    state_messages=10_000,
    stderr_lines=500_000,
)
QUICK = Plan(
    rounds=2,
    sizes=(10_000, 100_000),
    big_rounds=1,
    big_reference_rounds=1,
    cold_rounds=3,
    state_messages=1_000,
    stderr_lines=100_000,
    catalog_sizes=(100, 2_000),
    catalog_rounds=1,
    catalog_big_rounds=1,
    catalog_reference_rounds=1,
    catalog_reference_full=100,
    project_shapes=((300, 200, 5),),
    project_rounds=2,
    project_reference_compile=False,
    quick=True,
)

Arms = dict[str, Callable[[], Sample]]


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cell(summary: Summary, value: float, spec: str = ".2f", width: int = 9) -> str:
    """A figure, or why there is none."""
    if not summary.ok and summary.rounds == 0:
        return f"{f'failed (exit {summary.failed})':>{width}}"
    return f"{format(value, spec):>{width}}"


def run_arms(
    arms: Arms, rounds: int, rounds_of: Mapping[str, int] | None = None
) -> dict[str, Summary]:
    samples = interleave(arms, rounds=rounds, rounds_of=rounds_of, progress=progress)
    return {name: Summary.of(rows) for name, rows in samples.items()}


def meltano_arms(ws: Workspace, env: dict[str, str], *, el: bool = True) -> Arms:
    """`meltano run` (and `meltano el`) of ours and of 4.4.1, in their own projects."""
    arms: Arms = {}
    for meltano in ws.meltanos():
        name = "meltano" if meltano.label == "ours" else meltano.label
        arms[f"{name} run"] = partial(measure, meltano.run(), cwd=meltano.project, env=env)
        if el:
            arms[f"{name} el"] = partial(measure, meltano.el(), cwd=meltano.project, env=env)
    return arms


def bare_arm(ws: Workspace, env: dict[str, str]) -> Callable[[], Sample]:
    return partial(measure, ws.bare_pipe(), cwd=ws.root, env=env)


def pipelines(ws: Workspace, plan: Plan) -> dict[int, dict[str, Summary]]:
    """`meltano run` and `meltano el` beside a bare pipe, at each size."""
    results: dict[int, dict[str, Summary]] = {}
    for records in plan.sizes:
        progress(f"pipelines: {records:,} records")
        env = tap_env(records=records, state_every=STATE_EVERY, width=LINE_WIDTH)
        arms = {"bare pipe": bare_arm(ws, env), **meltano_arms(ws, env)}
        rounds, slow = plan.rounds, {}
        if records >= 1_000_000:
            rounds = plan.big_rounds
            slow = {name: plan.big_reference_rounds for name in arms if "4.4.1" in name}
        results[records] = run_arms(arms, rounds, slow)
    print(
        "\n1. Pipelines: tap-counter | target-jsonl, ~100-byte records, a STATE every "
        f"{STATE_EVERY:,}\n   cpu = user+sys of every process of the arm (meltano and plugins)"
    )
    print(f"{'records':>10}  {'arm':<13}{'cpu s':>9}{'wall s':>9}{'cpu/pipe':>10}{'wall/pipe':>11}")
    for records, arms_of in results.items():
        base = arms_of["bare pipe"]
        for number, (name, summary) in enumerate(arms_of.items()):
            label = f"{records:>10,}" if number == 0 else " " * 10
            print(
                f"{label}  {name:<13}{cell(summary, summary.cpu)}{cell(summary, summary.wall)}"
                f"{cell(summary, summary.cpu / base.cpu, '.2f', 10)}"
                f"{cell(summary, summary.wall / base.wall, '.2f', 11)}"
            )
    return results


def orchestrator_cpu(results: Mapping[int, Mapping[str, Summary]]) -> dict[str, float]:
    """The orchestrator's own CPU, from the pipeline section's runs (nothing new is run)."""
    print(
        "\n2. Orchestrator CPU (the meltano process alone)\n"
        "   own = utime+stime of the meltano process itself (/proc/PID/stat, children excluded)\n"
        "   arm - pipe = the arm's total cpu minus the bare pipe's (the cost of orchestration)"
    )
    print(f"{'records':>10}  {'arm':<13}{'own s':>8}{'own µs/rec':>12}{'arm - pipe s':>14}")
    for records, arms_of in results.items():
        base = arms_of["bare pipe"]
        for number, (name, summary) in enumerate(arms_of.items()):
            if name == "bare pipe":
                continue
            label = f"{records:>10,}" if number == 1 else " " * 10
            per_record = summary.own_cpu / records * 1e6
            print(
                f"{label}  {name:<13}{cell(summary, summary.own_cpu, '.2f', 8)}"
                f"{cell(summary, per_record, '.3f', 12)}"
                f"{cell(summary, summary.cpu - base.cpu, '+.2f', 14)}"
            )
    marginal: dict[str, float] = {}
    if len(results) >= 2:
        print(
            "   marginal own cpu per record: slope of own cpu against records over every round "
            "of every size\n   (least squares; the fixed start-up cost is the intercept)"
        )
        for name in next(iter(results.values())):
            if name == "bare pipe":
                continue
            points = [
                (records, own)
                for records, arms_of in results.items()
                for own in arms_of[name].own_cpus
            ]
            if len({records for records, _ in points}) < 2:
                continue
            fit = statistics.linear_regression(*zip(*points, strict=True))
            marginal[name] = fit.slope * 1e6
            print(
                f"{'':>12}{name:<13}{marginal[name]:>8.3f} µs/record, start-up "
                f"{fit.intercept:.2f} s"
            )
    return marginal


def widths(
    ws: Workspace, plan: Plan, pipelines_done: Mapping[int, Mapping[str, Summary]]
) -> dict[str, dict[str, Summary]]:
    """Peak RSS of the meltano process across record counts and line widths."""
    cases: dict[str, dict[str, Summary]] = {}
    for records, arms_of in pipelines_done.items():
        cases[f"{records:,} x 100 B"] = {k: v for k, v in arms_of.items() if "run" in k}
    for records, width, label in ((10_000, 10_240, "10 KB"), (300, 1_048_576, "1 MB")):
        progress(f"line widths: {records:,} records of {label}")
        env = tap_env(records=records, state_every=max(1, records // 10), width=width)
        arms = meltano_arms(ws, env, el=False)
        cases[f"{records:,} x {label}"] = run_arms(arms, 1 if plan.rounds < 3 else 2)
    print("\n3. Peak RSS of the meltano process (VmHWM, MiB), `meltano run`")
    names = list(next(iter(cases.values())))
    print(f"{'records x line':<22}" + "".join(f"{name:>18}" for name in names))
    for case, arms_of in cases.items():
        row = "".join(cell(arms_of[name], arms_of[name].peak_mib, ".1f", 18) for name in names)
        print(f"{case:<22}{row}")
    for name in names:
        peaks = [arms[name].peak_mib for arms in cases.values() if arms[name].rounds]
        if peaks:
            print(f"   {name}: {min(peaks):.1f} to {max(peaks):.1f} MiB")
    return cases


def state_messages(ws: Workspace, plan: Plan) -> dict[str, Summary]:
    """Many STATE messages against one, same records."""
    records = plan.state_messages
    progress(f"STATE messages: {records:,} records, 1 STATE vs {records:,}")
    one = tap_env(records=records, state_every=records)
    many = tap_env(records=records, state_every=1)
    arms: Arms = {}
    slow: dict[str, int] = {}
    for meltano in ws.meltanos():
        name = "meltano run" if meltano.label == "ours" else f"{meltano.label} run"
        arms[f"{name}, 1 STATE"] = partial(measure, meltano.run(), cwd=meltano.project, env=one)
        arms[f"{name}, {records:,} STATE"] = partial(
            measure, meltano.run(), cwd=meltano.project, env=many
        )
        if meltano.label != "ours":
            slow[f"{name}, {records:,} STATE"] = plan.slow_reference_rounds
    results = run_arms(arms, plan.rounds, slow)
    print(f"\n4. {records:,} STATE messages (one per record) vs 1 STATE, {records:,} records")
    print(f"{'arm':<34}{'wall s':>9}{'cpu s':>9}{'+wall s':>9}{'+cpu s':>9}{'ms/STATE':>10}")
    names = list(results)
    for quiet, loud in zip(names[::2], names[1::2], strict=True):
        base, summary = results[quiet], results[loud]
        print(f"{quiet:<34}{cell(base, base.wall)}{cell(base, base.cpu)}")
        extra_wall, extra_cpu = summary.wall - base.wall, summary.cpu - base.cpu
        print(
            f"{loud:<34}{cell(summary, summary.wall)}{cell(summary, summary.cpu)}"
            f"{cell(summary, extra_wall, '+.2f')}{cell(summary, extra_cpu, '+.2f')}"
            f"{cell(summary, extra_wall / records * 1e3, '.3f', 10)}"
        )
    return results


def stderr(ws: Workspace, plan: Plan) -> dict[str, Summary]:
    """A tap that writes much stderr against the same run without."""
    megabytes = plan.stderr_lines * plan.stderr_width / 1e6
    progress(f"stderr: {plan.stderr_records:,} records, with and without {megabytes:.0f} MB")
    quiet = tap_env(records=plan.stderr_records, state_every=STATE_EVERY)
    loud = tap_env(
        records=plan.stderr_records,
        state_every=STATE_EVERY,
        stderr_lines=plan.stderr_lines,
        stderr_width=plan.stderr_width,
    )
    arms: Arms = {"bare pipe": bare_arm(ws, quiet), "bare pipe, stderr": bare_arm(ws, loud)}
    slow: dict[str, int] = {}
    for meltano in ws.meltanos():
        name = "meltano run" if meltano.label == "ours" else f"{meltano.label} run"
        arms[name] = partial(measure, meltano.run(), cwd=meltano.project, env=quiet)
        arms[f"{name}, stderr"] = partial(measure, meltano.run(), cwd=meltano.project, env=loud)
        if meltano.label != "ours":
            slow[f"{name}, stderr"] = plan.slow_reference_rounds
    results = run_arms(arms, plan.rounds, slow)
    print(
        f"\n5. {megabytes:.0f} MB of tap stderr ({plan.stderr_lines:,} lines of "
        f"{plan.stderr_width} B) vs none, {plan.stderr_records:,} records; stderr of the arm "
        "is written to a file"
    )
    print(
        f"{'arm':<22}{'quiet wall':>11}{'stderr wall':>12}{'ratio':>8}{'quiet cpu':>11}"
        f"{'stderr cpu':>12}"
    )
    names = list(results)
    for name, loud_name in zip(names[::2], names[1::2], strict=True):
        a, b = results[name], results[loud_name]
        print(
            f"{name:<22}{cell(a, a.wall, '.2f', 11)}{cell(b, b.wall, '.2f', 12)}"
            f"{cell(b, b.wall / a.wall, '.2f', 8)}{cell(a, a.cpu, '.2f', 11)}"
            f"{cell(b, b.cpu, '.2f', 12)}"
        )
    return results


def cold_start(ws: Workspace, plan: Plan) -> dict[str, Summary]:
    """Start-up commands against `python -c pass`."""
    env = tap_env()
    arms: Arms = {
        "python -c pass": partial(measure, [sys.executable, "-c", "pass"], cwd=ws.root, env=env)
    }
    for meltano in ws.meltanos():
        for name, argv in meltano.cold().items():
            arms[f"{meltano.label} {name}"] = partial(measure, argv, cwd=meltano.project, env=env)
    progress("cold start")
    for run in arms.values():  # warm the page cache once
        run()
    results = run_arms(arms, plan.cold_rounds)
    base = results["python -c pass"]
    print(
        f"\n6. Cold start: cpu and wall minus `python -c pass` ({base.cpu * 1e3:.0f} ms cpu, "
        f"{base.wall * 1e3:.0f} ms wall), milliseconds"
    )
    labels = [meltano.label for meltano in ws.meltanos()]
    print(
        f"{'command':<36}"
        + "".join(f"{f'{label} cpu':>12}{f'{label} wall':>12}" for label in labels)
    )
    for command in ws.ours.cold():
        row = ""
        for label in labels:
            summary = results[f"{label} {command}"]
            row += cell(summary, (summary.cpu - base.cpu) * 1e3, ".0f", 12)
            row += cell(summary, (summary.wall - base.wall) * 1e3, ".0f", 12)
        print(f"meltano {command:<28}{row}")
    return results


def as_data(value: object) -> object:
    """Summaries and nested mappings as JSON-ready data."""
    if isinstance(value, Summary):
        return as_data(asdict(value))
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple | list):
        return [as_data(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): as_data(item) for key, item in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value
