"""Compare `tap | target` in a bare shell with the same pipeline run by `processes.pipes`.

Records never pass through our process, so the pipeline should cost what the shell pipe costs.
The arms are interleaved (shell, pipes, shell, ...) so a noisy machine affects both alike.
CPU is user + sys of every process involved: for the shell arm the shell and its two children;
for the pipes arm our own process (the orchestrator) plus its two children.

    uv run python bench/pipes_bench.py [--records 1000000] [--rounds 3] [--stderr-lines 500000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from meltano.core.processes.pipes import PluginCommand, run_pipeline

PLUGINS = Path(__file__).resolve().parent.parent / "tests" / "plugins"


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def commands(work: Path, records: int, stderr_lines: int) -> list[PluginCommand]:
    tap_config = work / "tap.json"
    tap_config.write_text(
        json.dumps({"records": records, "state_every": 10_000, "stderr_lines": stderr_lines})
    )
    target_config = work / "target.json"
    target_config.write_text(json.dumps({"path": "/dev/null"}))
    return [
        PluginCommand(
            "tap-counter",
            [sys.executable, str(PLUGINS / "tap_counter.py"), "--config", str(tap_config)],
        ),
        PluginCommand(
            "target-jsonl",
            [sys.executable, str(PLUGINS / "target_jsonl.py"), "--config", str(target_config)],
        ),
    ]


def shell_arm(pipeline: list[PluginCommand]) -> tuple[float, float, float]:
    line = " | ".join(shlex.join(command.argv) for command in pipeline) + " > /dev/null"
    before, started = cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(["sh", "-c", line], check=True)
    wall = time.perf_counter() - started
    return wall, cpu(resource.RUSAGE_CHILDREN) - before, 0.0


def pipes_arm(pipeline: list[PluginCommand]) -> tuple[float, float, float]:
    logged = 0

    def on_log(index: int, line: bytes) -> None:
        nonlocal logged
        logged += 1

    before_children, before_self = cpu(resource.RUSAGE_CHILDREN), cpu(resource.RUSAGE_SELF)
    started = time.perf_counter()
    outcome = asyncio.run(run_pipeline(pipeline, on_state=lambda line: None, on_log=on_log))
    wall = time.perf_counter() - started
    outcome.raise_error()
    own = cpu(resource.RUSAGE_SELF) - before_self
    return wall, cpu(resource.RUSAGE_CHILDREN) - before_children + own, own


def measure(name: str, arms: dict[str, object], rounds: int) -> dict[str, list[tuple]]:
    results: dict[str, list[tuple]] = {arm: [] for arm in arms}
    for round_number in range(rounds):
        for arm, run in arms.items():
            results[arm].append(run())  # type: ignore[operator]
            wall, total, own = results[arm][-1]
            print(
                f"  {name} round {round_number + 1} {arm:>12}: wall {wall:6.2f} s  "
                f"cpu {total:6.2f} s  orchestrator cpu {own:5.3f} s",
                flush=True,
            )
    return results


def median(samples: list[tuple], index: int) -> float:
    return statistics.median(sample[index] for sample in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stderr-lines", type=int, default=500_000)
    options = parser.parse_args()
    # Some machines set it; it would make the plugins write each record with a system call.
    os.environ.pop("PYTHONUNBUFFERED", None)
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        (work / "quiet").mkdir()
        (work / "loud").mkdir()
        quiet = commands(work / "quiet", options.records, 0)
        loud = commands(work / "loud", options.records, options.stderr_lines)
        print(f"{options.records} records, {options.rounds} interleaved rounds")
        results = measure(
            "quiet",
            {
                "shell": lambda: shell_arm(quiet),
                "pipes": lambda: pipes_arm(quiet),
                "pipes+stderr": lambda: pipes_arm(loud),
            },
            options.rounds,
        )
    shell, pipes, loud_pipes = results["shell"], results["pipes"], results["pipes+stderr"]
    print("\nmedians")
    for arm, samples in results.items():
        print(
            f"  {arm:>12}: wall {median(samples, 0):6.2f} s  cpu {median(samples, 1):6.2f} s"
            f"  orchestrator cpu {median(samples, 2):5.3f} s"
        )
    paired = statistics.median(p[1] / s[1] for p, s in zip(pipes, shell, strict=True))
    print(
        f"\ncpu ratio pipes/shell: {median(pipes, 1) / median(shell, 1):.3f} "
        f"(median of per-round ratios: {paired:.3f})"
    )
    print(f"wall ratio pipes/shell: {median(pipes, 0) / median(shell, 0):.3f}")
    per_record = median(pipes, 2) / options.records * 1e6
    print(f"orchestrator cpu per record: {per_record:.3f} µs")
    print(
        f"wall ratio with {options.stderr_lines} stderr lines / quiet: "
        f"{median(loud_pipes, 0) / median(pipes, 0):.3f}"
    )


if __name__ == "__main__":
    main()
