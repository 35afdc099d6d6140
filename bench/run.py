"""Benchmarks, run with `uv run nox -s bench` (see bench/README.md for how long each plan takes).

One run prints, for our meltano and Meltano 4.4.1 (installed once into a cache venv; pass
`--no-reference` to skip it), beside a bare `tap | target` shell pipe:

  1. pipelines: `meltano run` and `meltano el` at 10k, 100k and 1M records (cpu, wall, ratios)
  2. the orchestrator's own CPU, in all and per record
  3. the orchestrator's peak RSS across record counts and 100 B, 10 KB and 1 MB lines
  4. 10,000 STATE messages against one
  5. 50 MB of tap stderr against none
  6. cold start of `--version`, `--help`, `config list`, `schedule list --format=json`
  7. catalogs of 100 to 10,000 streams: select --list, invoke --dump=catalog, run; warm/cold
  8. a generated project of 300 plugins: compile, config list, schedule list, job list, run
  9. fan-out: one 1M-record tap into two targets, against `tap | tee >(target) | target`
and then the issues' targets (6 and 19) with the measured figures.

Arms are interleaved round by round and figures are medians. Compare CPU: wall time on a
shared 2-core machine is noisy. See bench/README.md.

    uv run python bench/run.py [--quick] [--rounds N] [--no-reference] [--only SECTION ...]
                               [--json FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import big_project
import catalogs
import fan_out
import sections
from targets import check_targets
from workspace import make_workspace

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "meltano-bench"
REFERENCE_VERSION = "4.4.1"
SECTIONS = (
    "pipelines",
    "widths",
    "state",
    "stderr",
    "cold",
    "catalogs",
    "project",
    "fanout",
    "driver",
)
DEFAULT_SECTIONS = SECTIONS[:-1]


def reference_meltano() -> Path | None:
    """Meltano 4.4.1 in a cached throw-away venv, installed with uv on first use."""
    venv = CACHE / f"meltano-{REFERENCE_VERSION}"
    executable = venv / "bin" / "meltano"
    if executable.exists():
        return executable
    uv = shutil.which("uv")
    if uv is None:
        print("uv not found: measuring without Meltano 4.4.1", file=sys.stderr)
        return None
    print(f"installing Meltano {REFERENCE_VERSION} into {venv} (once)...", file=sys.stderr)
    subprocess.run([uv, "venv", "-q", str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "-q", "-p", str(venv), f"meltano=={REFERENCE_VERSION}"], check=True
    )
    return executable


def compile_bytecode(reference: Path | None) -> None:
    """Bytecode for every arm, as an installed package has it; some machines set
    PYTHONDONTWRITEBYTECODE, which would otherwise make each run recompile its modules."""
    import meltano

    trees = [Path(meltano.__file__).parent, Path(sys.executable).parents[1] / "lib"]
    if reference is not None:
        trees.append(reference.parents[1] / "lib")
    for tree in trees:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tree)],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds and smaller workloads (a smoke test)"
    )
    parser.add_argument("--rounds", type=int, help="rounds of the cheap arms (default 5)")
    parser.add_argument(
        "--no-reference", action="store_true", help="do not install or measure Meltano 4.4.1"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); `driver` runs bench/pipes_bench.py",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the projects in DIR")
    return parser.parse_args()


def header(plan: sections.Plan, reference: Path | None) -> None:
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"meltano benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    where = f"commit {commit}" if commit else "not a git checkout"
    print(f"ours: {Path(sys.executable).parent / 'meltano'} ({where})")
    print(f"4.4.1: {reference or 'not measured'}")
    print(
        f"plugins: stdlib tap-counter and target-jsonl (to /dev/null), run by {sys.executable}"
        f" in every arm; {'quick' if plan.quick else 'full'} plan: {plan.rounds} "
        "rounds (fewer for 1M records and slow 4.4.1 arms), medians"
    )


def main() -> None:
    args = parse_args()
    plan = sections.QUICK if args.quick else sections.FULL
    if args.rounds:
        plan = dataclasses.replace(plan, rounds=args.rounds, cold_rounds=2 * args.rounds)
    chosen = args.only or list(DEFAULT_SECTIONS)
    reference = None if args.no_reference else reference_meltano()
    compile_bytecode(reference)
    header(plan, reference)
    started = time.monotonic()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="meltano-bench-") as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        ws = make_workspace(root, Path(sys.executable).parent / "meltano", reference)
        pipelines: dict[int, dict[str, sections.Summary]] = {}
        if "pipelines" in chosen:
            pipelines = sections.pipelines(ws, plan)
            figures["pipelines"] = pipelines
            figures["marginal_own_cpu_us_per_record"] = sections.orchestrator_cpu(pipelines)
        if "widths" in chosen:
            figures["widths"] = sections.widths(ws, plan, pipelines)
        if "state" in chosen:
            figures["state"] = sections.state_messages(ws, plan)
        if "stderr" in chosen:
            figures["stderr"] = sections.stderr(ws, plan)
        if "cold" in chosen:
            figures["cold"] = sections.cold_start(ws, plan)
        if "catalogs" in chosen:
            figures["catalogs"] = catalogs.catalogs(ws, plan)
        if "project" in chosen:
            figures["project"] = big_project.big_project(ws, plan)
        if "fanout" in chosen:
            figures["fanout"] = fan_out.fan_out(ws, plan)
    if "driver" in chosen:
        print("\npipes driver alone (bench/pipes_bench.py)", flush=True)
        quick = ["--records", "100000", "--rounds", "2"] if args.quick else []
        subprocess.run([sys.executable, str(HERE / "pipes_bench.py"), *quick], check=True)
    figures["targets"] = check_targets(figures, plan)
    print(f"\nbenchmark took {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(sections.as_data(figures), indent=2) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
