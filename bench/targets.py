"""The issue's performance targets, checked against the figures of this run."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from measure import Summary

Figures = Mapping[str, Any]
TARGETS: list[tuple[str, str, float, Callable[[Figures, str], float | None]]] = []


def target(text: str, limit: float, unit: str = "") -> Callable[..., Any]:
    """Register a check: a function of (figures, arm prefix) giving the measured value."""

    def register(function: Callable[[Figures, str], float | None]) -> Callable[..., Any]:
        TARGETS.append((text, unit, limit, function))
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


def check_targets(figures: Figures, plan: Any) -> dict[str, dict[str, float | bool | None]]:
    """Print each target with our figure, pass or miss, and 4.4.1's figure beside it."""
    print("\nTargets of issue 6 (ours; 4.4.1 beside it for comparison)")
    if plan.quick:
        print(
            "   (quick plan: smaller workloads; the 1M and 10,000-STATE targets need the full run)"
        )
    print(f"{'target':<46}{'limit':>9}{'ours':>10}{'':>6}{'4.4.1':>10}")
    results: dict[str, dict[str, float | bool | None]] = {}
    for text, unit, limit, function in TARGETS:
        ours, reference = function(figures, "meltano"), function(figures, "4.4.1")
        if ours is None:
            continue
        verdict = ours < limit if "peak" in text or "STATE" in text else ours <= limit
        theirs = "" if reference is None else f"{reference:>10.2f}"
        print(
            f"{text:<46}{f'{limit:g}{unit}':>9}{ours:>10.3f}{'ok' if verdict else 'MISS':>6}"
            f"{theirs}"
        )
        results[text] = {"limit": limit, "ours": ours, "met": verdict, "reference": reference}
    return results
