"""`meltano run` at a million records against a bare `tap | target` shell pipe and Meltano 4.4.1.

Each arm runs the same two stdlib Singer scripts (tests/plugins/tap_counter.py and
target_jsonl.py writing to /dev/null) on 1,000,000 records with a STATE every 10,000. The arms
are interleaved round by round; we compare total CPU (user + sys of every process of the arm,
the orchestrator included) and report the orchestrator's peak memory (VmHWM of the `meltano`
process, sampled from /proc while it runs).

    uv run python bench/run_bench.py [--records 1000000] [--rounds 3] [--no-reference]
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGINS = HERE.parent / "tests" / "plugins"
PROJECT = """\
default_environment: dev
project_id: bench
send_anonymous_usage_stats: false
environments:
- name: dev
plugins:
  extractors:
  - name: tap-counter
    namespace: tap_counter
    executable: {tap}
    capabilities: [state]
    config: {{records: {records}, state_every: 10000}}
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {target}
    config: {{path: /dev/null}}
"""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_kb(pid: int, stop: threading.Event, result: list[int]) -> None:
    peak = 0
    while not stop.is_set():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError):
            break
        time.sleep(0.05)
    result.append(peak)


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(cpu seconds of the arm, wall seconds, peak KiB of the top process)."""
    before, started = children_cpu(), time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    stop, peak = threading.Event(), []
    sampler = threading.Thread(target=peak_rss_kb, args=(process.pid, stop, peak), daemon=True)
    sampler.start()
    code = process.wait()
    stop.set()
    sampler.join()
    if code != 0:
        raise SystemExit(f"{argv} exited with {code}")
    return children_cpu() - before, time.perf_counter() - started, (peak or [0])[0]


def make_project(root: Path, records: int) -> Path:
    project = root / "project"
    project.mkdir()
    (project / "meltano.yml").write_text(
        PROJECT.format(
            tap=PLUGINS / "tap_counter.py", target=PLUGINS / "target_jsonl.py", records=records
        )
    )
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    ours = Path(sys.executable).parent / "meltano"
    reference = None
    if not args.no_reference:
        sys.path.insert(0, str(HERE))
        from run import reference_meltano

        reference = reference_meltano()
    # Bytecode for every arm, as an installed package has it; some machines set
    # PYTHONDONTWRITEBYTECODE, which would otherwise make each run recompile its modules.
    import meltano

    trees = [Path(meltano.__file__).parent, Path(sys.executable).parents[1] / "lib"]
    if reference is not None:
        trees.append(Path(reference).parents[1] / "lib")
    for tree in trees:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tree)],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    with tempfile.TemporaryDirectory() as work:
        project = make_project(Path(work), args.records)
        subprocess.run(
            [str(ours), "init", "--force", "."],
            cwd=project,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        (project / "meltano.yml").write_text(
            PROJECT.format(
                tap=PLUGINS / "tap_counter.py",
                target=PLUGINS / "target_jsonl.py",
                records=args.records,
            )
        )
        tap_config = Path(work) / "tap.json"
        tap_config.write_text(f'{{"records": {args.records}, "state_every": 10000}}')
        target_config = Path(work) / "target.json"
        target_config.write_text('{"path": "/dev/null"}')
        shell = (
            " | ".join(
                [
                    shlex.join(
                        [
                            sys.executable,
                            str(PLUGINS / "tap_counter.py"),
                            "--config",
                            str(tap_config),
                        ]
                    ),
                    shlex.join(
                        [
                            sys.executable,
                            str(PLUGINS / "target_jsonl.py"),
                            "--config",
                            str(target_config),
                        ]
                    ),
                ]
            )
            + " > /dev/null"
        )
        env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
        arms: dict[str, list[str]] = {
            "bare shell pipe": ["sh", "-c", shell],
            "meltano run": [str(ours), "run", "--full-refresh", "tap-counter", "target-jsonl"],
        }
        if reference is not None:
            arms["meltano 4.4.1 run"] = [
                str(reference),
                "run",
                "--full-refresh",
                "tap-counter",
                "target-jsonl",
            ]
        samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in arms}
        for _ in range(args.rounds):
            for name, argv in arms.items():
                samples[name].append(timed(argv, project, env))
    base = statistics.median(cpu for cpu, _, _ in samples["bare shell pipe"])
    print(f"\nmeltano run, {args.records:,} records, median of {args.rounds} interleaved rounds")
    print(f"{'arm':<22}{'cpu s':>9}{'wall s':>9}{'cpu / pipe':>12}{'peak MiB':>10}")
    for name, rows in samples.items():
        cpu = statistics.median(c for c, _, _ in rows)
        wall = statistics.median(w for _, w, _ in rows)
        peak = max(p for _, _, p in rows) / 1024
        print(f"{name:<22}{cpu:>9.2f}{wall:>9.2f}{cpu / base:>12.3f}{peak:>10.1f}")


if __name__ == "__main__":
    main()
