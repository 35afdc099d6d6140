"""What a plugin in a container costs: start-up, and moving records through the engine.

    uv run python bench/containers.py [--records N] [--rounds N] [--startup-rounds N]

Needs a Docker Engine and the test image (`bash .ci/services.sh` builds it). Arms, interleaved
round by round (medians printed):

- start-up: `meltano invoke` of a one-record tap without a catalog, as a script on this
  machine against the same script in a container (`--containers`);
- pipelines of N records (default 1M): the bare `tap | target` pipe, `meltano run
  --full-refresh` with both plugins here, with the tap in a container (its output split by us
  into the target's pipe), and with the target in a container (the tap writes into its attach
  socket). The tap's settings are declared, so that they reach it in its container, where our
  shell's variables do not.

For each: wall, CPU of the arm's processes on this machine, CPU inside the containers (the
engine's `docker` cgroup), CPU of the engine's daemons (dockerd, containerd and its shims), and
the meltano process's own CPU, which says what passes through our process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from measure import Sample, interleave, measure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.services.images import build_images  # noqa: E402 - needs the repository on the path

PLUGINS = ROOT / "tests" / "plugins"
TICK = os.sysconf("SC_CLK_TCK")
FEW = 1_000  # records of the runs that measure the fixed costs
CGROUP = Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage")  # cgroup v1, Debian's docker.io

PROJECT = """\
default_environment: dev
send_anonymous_usage_stats: false
environments:
- name: dev
plugins:
  extractors:
  - name: tap-here
    namespace: tap_counter
    executable: {plugins}/tap_counter.py
    capabilities: [state]
  - name: tap-boxed
    namespace: tap_counter
    executable: tap-counter
    capabilities: [state]
    settings: [{{name: records, kind: integer}}, {{name: state_every, kind: integer}}]
    container_spec: {{image: {image}}}
  loaders:
  - name: target-here
    namespace: target_jsonl
    executable: {plugins}/target_jsonl.py
    config: {{path: /dev/null}}
  - name: target-boxed
    namespace: target_jsonl
    executable: target-jsonl
    config: {{path: /dev/null}}
    container_spec: {{image: {image}}}
"""


def _engine_processes() -> dict[int, float]:
    """CPU seconds so far of each engine daemon: dockerd, containerd and its shims."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name.startswith(("dockerd", "containerd")):
            fields = stat[stat.rindex(")") + 2 :].split()
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICK
    return found


class EngineWatch(threading.Thread):
    """The engine's CPU during an arm: a container's shim exits with it, taking its counters
    along, so every daemon is sampled while the arm runs and its last value kept."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.first = _engine_processes()
        self.last = dict(self.first)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.last.update(_engine_processes())

    def stop(self) -> float:
        self.done.set()
        self.join()
        self.last.update(_engine_processes())
        return sum(self.last.values()) - sum(self.first.values())


def container_cpu() -> float:
    try:
        return int(CGROUP.read_text()) / 1e9
    except OSError:
        return float("nan")


@dataclass(frozen=True)
class Figures:
    sample: Sample
    inside: float  # CPU in containers
    engine: float  # CPU of the engine's daemons

    @property
    def total(self) -> float:
        return self.sample.cpu + self.inside + self.engine


def arm(
    argv: list[str], cwd: Path, env: dict[str, str], log: list[Figures]
) -> Callable[[], Sample]:
    def run() -> Sample:
        inside, engine = container_cpu(), EngineWatch()
        engine.start()
        sample = measure(argv, cwd=cwd, env=env)
        log.append(Figures(sample, container_cpu() - inside, engine.stop()))
        return sample

    return run


def report(title: str, figures: dict[str, list[Figures]]) -> None:
    print(f"\n{title}")
    print(f"  {'arm':<34}{'wall':>8}{'here':>8}{'inside':>8}{'engine':>8}{'total':>8}{'own':>8}")
    for name, runs in figures.items():
        good = [f for f in runs if f.sample.ok]
        if not good:
            print(f"  {name:<34} failed")
            continue

        def med(pick: Callable[[Figures], float], good: list[Figures] = good) -> float:
            return statistics.median(pick(f) for f in good)

        print(
            f"  {name:<34}{med(lambda f: f.sample.wall):8.2f}{med(lambda f: f.sample.cpu):8.2f}"
            f"{med(lambda f: f.inside):8.2f}{med(lambda f: f.engine):8.2f}"
            f"{med(lambda f: f.total):8.2f}{med(lambda f: f.sample.own_cpu):8.2f}"
        )
    print(
        "  (seconds, medians of each column; here: the arm's processes on this machine; inside:"
        " in containers; engine: dockerd, containerd and shims; own: the meltano process)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--startup-rounds", type=int, default=7)
    options = parser.parse_args()
    image = asyncio.run(build_images())
    meltano = [sys.executable, "-m", "meltano", "--log-level=warning"]
    with tempfile.TemporaryDirectory(prefix="meltano-bench-containers-") as directory:
        project = Path(directory)
        (project / "meltano.yml").write_text(PROJECT.format(plugins=PLUGINS, image=image))
        env = {**os.environ, "TAP_COUNTER_STATE_EVERY": "10000"}
        startup: dict[str, list[Figures]] = {"invoke, script here": [], "invoke --containers": []}
        one = {**env, "TAP_COUNTER_RECORDS": "1"}
        interleave(
            {
                "invoke, script here": arm(
                    [*meltano, "invoke", "tap-here"], project, one, startup["invoke, script here"]
                ),
                "invoke --containers": arm(
                    [*meltano, "invoke", "--containers", "tap-boxed"],
                    project,
                    one,
                    startup["invoke --containers"],
                ),
            },
            rounds=options.startup_rounds,
        )
        report("start-up of one plugin, one record", startup)
        many = {**env, "TAP_COUNTER_RECORDS": str(options.records)}
        bare = f"{PLUGINS}/tap_counter.py | TARGET_JSONL_PATH=/dev/null {PLUGINS}/target_jsonl.py"
        run = [*meltano, "run", "--full-refresh"]  # every round extracts every record
        arms = {
            "bare tap | target": ["sh", "-c", bare],
            "run, both here": [*run, "tap-here", "target-here"],
            "run --containers, tap in container": [
                *run, "--containers", "tap-boxed", "target-here"
            ],
            "run --containers, target in container": [
                *run, "--containers", "tap-here", "target-boxed"
            ],
        }  # fmt: skip
        pipelines: dict[str, list[Figures]] = {name: [] for name in arms}
        few = {**env, "TAP_COUNTER_RECORDS": str(FEW)}
        small: dict[str, list[Figures]] = {name: [] for name in arms if name.startswith("run")}
        runs = {name: arm(argv, project, many, pipelines[name]) for name, argv in arms.items()}
        runs.update(
            {f"{name} ({FEW:,})": arm(arms[name], project, few, small[name]) for name in small}
        )
        interleave(runs, rounds=options.rounds, progress=lambda line: print(line, file=sys.stderr))
        report(f"pipelines of {options.records:,} records", pipelines)
        report(f"the same with {FEW:,} records: the fixed costs", small)
        print(f"\nmeltano's own CPU for the records alone ({options.records:,} minus {FEW:,}):")
        for name, runs_of in small.items():
            extra = _median_own(pipelines[name]) - _median_own(runs_of)
            print(f"  {name:<40}{extra:8.2f} s")
    return 0


def _median_own(figures: list[Figures]) -> float:
    good = [f.sample.own_cpu for f in figures if f.sample.ok]
    return statistics.median(good) if good else float("nan")


if __name__ == "__main__":
    sys.exit(main())
