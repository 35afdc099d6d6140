"""The issue's performance targets, checked against the figures of this run."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from measure import Summary

Figures = Mapping[str, Any]
TARGETS: list[tuple[int, str, str, float, Callable[[Figures, str], float | None]]] = []


def target(text: str, limit: float, unit: str = "", *, issue: int = 6) -> Callable[..., Any]:
    """Register a check: a function of (figures, arm prefix) giving the measured value."""

    def register(function: Callable[[Figures, str], float | None]) -> Callable[..., Any]:
        TARGETS.append((issue, text, unit, limit, function))
        return function

    return register


def _pipeline(figures: Figures, records: int, arm: str) -> tuple[Summary, Summary] | None:
    arms = figures.get("pipelines", {}).get(records)
    if not arms or arm not in arms:
        return None
    return arms[arm], arms["bare pipe"]


def _ratio(records: int, command: str, field: str) -> Callable[[Figures, str], float | None]:
    def ratio(figures: Figures, prefix: str) -> float | None:
        pair = _pipeline(figures, records, f"{prefix} {command}")
        if pair is None or not pair[0].rounds:
            return None
        return float(getattr(pair[0], field) / getattr(pair[1], field))

    return ratio


for _command in ("run", "el"):
    target(f"{_command}, 1M records: total cpu / bare pipe", 1.03)(
        _ratio(1_000_000, _command, "cpu")
    )
    target(f"{_command}, 1M records: wall / bare pipe", 1.13)(_ratio(1_000_000, _command, "wall"))
    target(f"{_command}, 10k records: wall / bare pipe", 1.5)(_ratio(10_000, _command, "wall"))


@target("run: own cpu per record (marginal, fitted)", 0.1, " µs")
def _per_record(figures: Figures, prefix: str) -> float | None:
    marginal = figures.get("marginal_own_cpu_us_per_record", {})
    value = marginal.get(f"{prefix} run")
    return None if value is None or not math.isfinite(value) else value


@target("run: own cpu / records at 1M (with start-up)", 0.1, " µs")
def _per_record_total(figures: Figures, prefix: str) -> float | None:
    pair = _pipeline(figures, 1_000_000, f"{prefix} run")
    return None if pair is None or not pair[0].rounds else pair[0].own_cpu / 1_000_000 * 1e6


@target("run: peak RSS of meltano, worst case", 40, " MiB")
def _peak(figures: Figures, prefix: str) -> float | None:
    peaks = _peaks(figures, prefix)
    return max(peaks) if peaks else None


@target("run: peak RSS spread (max - min), all cases", 4, " MiB")
def _flat(figures: Figures, prefix: str) -> float | None:
    peaks = _peaks(figures, prefix)
    return max(peaks) - min(peaks) if len(peaks) > 1 else None


def _peaks(figures: Figures, prefix: str) -> list[float]:
    cases = figures.get("widths", {})
    summaries = [arms.get(f"{prefix} run") for arms in cases.values()]
    return [s.peak_mib for s in summaries if s is not None and s.rounds]


@target("run: extra wall of 10,000 STATE vs 1", 1.0, " s")
def _state(figures: Figures, prefix: str) -> float | None:
    results = figures.get("state", {})
    one = results.get(f"{prefix} run, 1 STATE")
    many = results.get(f"{prefix} run, 10,000 STATE")
    if one is None or many is None or not many.rounds:
        return None
    return float(many.wall - one.wall)


@target("run: wall with 50 MB tap stderr / without", 2.0)
def _stderr(figures: Figures, prefix: str) -> float | None:
    results = figures.get("stderr", {})
    quiet, loud = results.get(f"{prefix} run"), results.get(f"{prefix} run, stderr")
    if quiet is None or loud is None or not loud.rounds:
        return None
    return float(loud.wall / quiet.wall)


# Issue 19: catalogs of 2,000 streams and a 300-plugin project.
CATALOG_STREAMS = 2_000


def _label(prefix: str) -> str:
    """The catalog and project sections name our arms "ours"."""
    return "ours" if prefix == "meltano" else prefix


def _catalog_arm(figures: Figures, prefix: str, name: str) -> Summary | None:
    sizes = figures.get("catalogs", {}).get("sizes", {})
    summary = sizes.get(CATALOG_STREAMS, {}).get(f"{_label(prefix)} {name}")
    return summary if summary is not None and summary.rounds else None


def _catalog_cpu(name: str) -> Callable[[Figures, str], float | None]:
    def cpu(figures: Figures, prefix: str) -> float | None:
        summary = _catalog_arm(figures, prefix, name)
        return None if summary is None else summary.cpu

    return cpu


def _over_discovery(name: str) -> Callable[[Figures, str], float | None]:
    def over(figures: Figures, prefix: str) -> float | None:
        summary = _catalog_arm(figures, prefix, name)
        discover = figures.get("catalogs", {}).get("sizes", {}).get(CATALOG_STREAMS, {})
        bare = discover.get("tap --discover")
        if summary is None or bare is None or not bare.rounds:
            return None
        return summary.cpu - bare.cpu

    return over


def _run_step(mode: str) -> Callable[[Figures, str], float | None]:
    """run's catalog step: the run minus the same run with a 1-stream catalog (and minus the
    tap's discovery, cold or uncached)."""

    def step(figures: Figures, prefix: str) -> float | None:
        run = _catalog_arm(figures, prefix, f"run {mode}")
        one = _catalog_arm(figures, prefix, "run warm, 1-stream tap")
        if run is None or one is None:
            return None
        if mode == "warm":
            return run.cpu - one.cpu
        over = _over_discovery(f"run {mode}")(figures, prefix)
        return None if over is None else over - one.cpu

    return step


for _command in ("select --list", "select --list --all", "invoke --dump=catalog"):
    target(f"catalog 2,000: {_command} warm, cpu", 1.0, " s", issue=19)(
        _catalog_cpu(f"{_command} warm")
    )
target("catalog 2,000: run warm, catalog step cpu", 1.0, " s", issue=19)(_run_step("warm"))
for _mode in ("cold", "uncached"):
    for _command in ("select --list", "invoke --dump=catalog"):
        target(f"catalog 2,000: {_command} {_mode}, cpu - discovery", 1.0, " s", issue=19)(
            _over_discovery(f"{_command} {_mode}")
        )
    target(f"catalog 2,000: run {_mode}, catalog step - discovery", 1.0, " s", issue=19)(
        _run_step(_mode)
    )


@target("catalog 2,000: peak RSS - 2 x catalog JSON, worst", 40, " MiB", issue=19)
def _catalog_peak(figures: Figures, prefix: str) -> float | None:
    catalogs = figures.get("catalogs", {})
    arms = catalogs.get("sizes", {}).get(CATALOG_STREAMS, {})
    json_mib = catalogs.get("catalog_mb", {}).get(CATALOG_STREAMS, 0) * 1e6 / 2**20
    peaks = [s.peak_mib for name, s in arms.items() if name.startswith(f"{_label(prefix)} ")]
    peaks = [peak for peak in peaks if math.isfinite(peak)]
    return max(peaks) - 2 * json_mib if peaks else None


@target("catalog: ms/stream, largest step / previous, worst", 1.3, issue=19)
def _catalog_linear(figures: Figures, prefix: str) -> float | None:
    """Linear cost: the marginal cpu per stream does not grow from one size step to the next."""
    sizes = figures.get("catalogs", {}).get("sizes", {})
    if len(sizes) < 3:
        return None
    ordered = sorted(sizes)
    low, middle, high = ordered[-3:]
    ratios = []
    for name, summary in sizes[high].items():
        if not name.startswith(f"{_label(prefix)} ") or not summary.rounds:
            continue
        first, second = sizes[low].get(name), sizes[middle].get(name)
        if first is None or second is None or not first.rounds or not second.rounds:
            continue
        previous = (second.cpu - first.cpu) / (middle - low)
        largest = (summary.cpu - second.cpu) / (high - middle)
        if previous > 0:
            ratios.append(largest / previous)
    return max(ratios) if ratios else None


BIG_PROJECT = "300 plugins, 5 environments"


def _project_cpu(name: str) -> Callable[[Figures, str], float | None]:
    def cpu(figures: Figures, prefix: str) -> float | None:
        summary = figures.get("project", {}).get(BIG_PROJECT, {}).get(f"{_label(prefix)} {name}")
        return None if summary is None or not summary.rounds else summary.cpu

    return cpu


target("big project: compile, cpu", 2.0, " s", issue=19)(_project_cpu("compile"))
for _command in (
    "config list tap-001-child",
    "schedule list --format=json",
    "job list",
    "run --dry-run job-001",
):
    target(f"big project: {_command}, cpu", 0.25, " s", issue=19)(_project_cpu(_command))


def _compile_growth(larger: str, smaller: str) -> Callable[[Figures, str], float | None]:
    def growth(figures: Figures, prefix: str) -> float | None:
        shapes = figures.get("project", {})
        big = shapes.get(larger, {}).get(f"{_label(prefix)} compile")
        small = shapes.get(smaller, {}).get(f"{_label(prefix)} compile")
        if big is None or small is None or not big.rounds or not small.rounds:
            return None
        return float(big.cpu / small.cpu)

    return growth


target("compile: 300 plugins / 150, cpu ratio", 2.2, issue=19)(
    _compile_growth(BIG_PROJECT, "150 plugins, 5 environments")
)
target("compile: 10 environments / 5, cpu ratio", 2.2, issue=19)(
    _compile_growth("300 plugins, 10 environments", BIG_PROJECT)
)


def check_targets(figures: Figures, plan: Any) -> dict[str, dict[str, float | bool | None]]:
    """Print each target with our figure, pass or miss, and 4.4.1's figure beside it."""
    results: dict[str, dict[str, float | bool | None]] = {}
    for issue in dict.fromkeys(entry[0] for entry in TARGETS):
        rows = []
        for number, text, unit, limit, function in TARGETS:
            if number != issue:
                continue
            ours, reference = function(figures, "meltano"), function(figures, "4.4.1")
            if ours is None:
                continue
            verdict = ours < limit if "peak" in text or "STATE" in text else ours <= limit
            theirs = "" if reference is None else f"{reference:>10.2f}"
            rows.append(
                f"{text:<62}{f'{limit:g}{unit}':>9}{ours:>10.3f}"
                f"{'ok' if verdict else 'MISS':>6}{theirs}"
            )
            results[text] = {"limit": limit, "ours": ours, "met": verdict, "reference": reference}
        if not rows:
            continue
        print(f"\nTargets of issue {issue} (ours; 4.4.1 beside it for comparison)")
        if plan.quick:
            print("   (quick plan: smaller workloads; some targets need the full run)")
        print(f"{'target':<62}{'limit':>9}{'ours':>10}{'':>6}{'4.4.1':>10}")
        print("\n".join(rows))
    return results
