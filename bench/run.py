"""Benchmarks, run with `uv run nox -s bench`.

Cold start: `meltano --version` and `meltano --help` against a bare `python -c pass` and against
Meltano 4.4.1 (installed once into a cache venv; pass `--no-reference` to skip it). The arms are
interleaved in every round and we report CPU time (user + system of the child), which is far
less noisy than wall time on a shared machine; wall time is shown too.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "meltano-bench"
REFERENCE_VERSION = "4.4.1"


def measure(argv: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Run argv once; return (cpu seconds of the child, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def reference_meltano() -> Path | None:
    """Meltano 4.4.1 in a cached throw-away venv, installed with uv on first use."""
    venv = CACHE / f"meltano-{REFERENCE_VERSION}"
    executable = venv / "bin" / "meltano"
    if executable.exists():
        return executable
    uv = shutil.which("uv")
    if uv is None:
        return None
    print(f"installing Meltano {REFERENCE_VERSION} into {venv} (once)...", file=sys.stderr)
    subprocess.run([uv, "venv", "-q", str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "-q", "-p", str(venv), f"meltano=={REFERENCE_VERSION}"], check=True
    )
    return executable


def cold_start(rounds: int, *, with_reference: bool) -> None:
    ours = Path(sys.executable).parent / "meltano"
    arms: dict[str, list[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "meltano --version": [str(ours), "--version"],
        "meltano --help": [str(ours), "--help"],
    }
    reference = reference_meltano() if with_reference else None
    if reference is not None:
        arms["meltano 4.4.1 --version"] = [str(reference), "--version"]
        arms["meltano 4.4.1 --help"] = [str(reference), "--help"]
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in arms}
    cwd = Path.cwd()
    for argv in arms.values():  # warm the page cache once
        measure(argv, cwd)
    for _ in range(rounds):
        for name, argv in arms.items():  # interleaved: every round runs every arm
            results[name].append(measure(argv, cwd))
    base_cpu = statistics.median(cpu for cpu, _ in results["python -c pass"])
    base_wall = statistics.median(wall for _, wall in results["python -c pass"])
    print(f"\ncold start, median of {rounds} interleaved rounds")
    print(f"{'arm':<26}{'cpu s':>9}{'wall s':>9}{'cpu - pass':>12}{'wall - pass':>13}")
    for name, samples in results.items():
        cpu = statistics.median(c for c, _ in samples)
        wall = statistics.median(w for _, w in samples)
        print(
            f"{name:<26}{cpu:>9.3f}{wall:>9.3f}{cpu - base_cpu:>+12.3f}{wall - base_wall:>+13.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--no-reference", action="store_true", help="do not install or measure Meltano 4.4.1"
    )
    args = parser.parse_args()
    cold_start(args.rounds, with_reference=not args.no_reference)
    reference_flag = ["--no-reference"] if args.no_reference else []
    subprocess.run([sys.executable, str(HERE / "pipes_bench.py")], check=True)
    subprocess.run([sys.executable, str(HERE / "run_bench.py"), *reference_flag], check=True)


if __name__ == "__main__":
    main()
