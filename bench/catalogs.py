"""Section 7: commands over a tap whose catalog has hundreds to thousands of streams.

tests/plugins/tap_streams.py prints a catalog of N streams in Singer SDK form (38 properties, so
39 metadata entries, a stream: ~13 KB of JSON each). Ours and 4.4.1 each get a project with two
extractors running that tap, both with `select` globs and an exclusion and a wildcard
`metadata` rule:

- `tap-streams` has a `pip_url` (never installed: every command gets `--no-install`, and its
  `executable` is the copied script), so its discovery is cached in `.meltano/run/tap-streams/`;
- `tap-streams-local` has none, so both Meltanos discover it on every command.

The tap reads N from TAP_STREAMS_STREAMS, which is also its `streams` setting, so each size has
its own cache key. Each command runs warm (the cache is there; if an earlier command lost it, it
is made again outside the measurement, and the loss is reported), cold (the cache removed
first) and for the uncached tap. Beside them: the tap's own `--discover`, and the floor of
reading and writing that JSON in Python (`json.load`; `json.load` + `json.dumps(indent=2)`).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from measure import Sample, Summary, interleave, measure
from sections import Plan, progress
from workspace import Meltano, Workspace, init_project, plugin_script, tap_env

CACHED, LOCAL, ONE = "tap-streams", "tap-streams-local", "tap-streams-one"
ONE_STREAM_RUN = "run warm, 1-stream tap"  # run's fixed cost, to tell its catalog step apart
TAP_SCRIPT = Path(__file__).resolve().parents[1] / "tests" / "plugins" / "tap_streams.py"
EXTRACTOR = """\
  - name: {name}
    namespace: {namespace}
    executable: {tap}
{pip_url}    capabilities: [discover, catalog, state]
    settings:
    - name: streams
      kind: integer
    - name: properties
      kind: integer
{config}    select:
    - stream_*[02468].*
    - stream_*[13579].id
    - stream_*[13579].meta.source
    - '!*.field_05'
    metadata:
      '*':
        replication-method: FULL_TABLE
        field_01:
          is-pii: true
"""
MELTANO_YML = """\
default_environment: dev
project_id: {project_id}
send_anonymous_usage_stats: false
environments:
- name: dev
plugins:
  extractors:
{extractors}  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {target}
    config:
      path: /dev/null
"""
FLOOR_LOAD = "import json, sys\nwith open(sys.argv[1]) as f: json.load(f)"
FLOOR_ROUND_TRIP = (
    "import json, sys\nwith open(sys.argv[1]) as f: c = json.load(f)\n"
    "with open('/dev/null', 'w') as f: f.write(json.dumps(c, indent=2))"
)
DISCOVER, LOAD, ROUND_TRIP = "tap --discover", "json.load", "json.load + json.dumps(indent=2)"
MODES = ("warm", "cold", "uncached")


@dataclass(frozen=True)
class Command:
    label: str
    args: tuple[str, ...]  # after `meltano`; "{tap}" is the extractor's name
    modes: tuple[str, ...]

    def argv(self, meltano: Meltano, tap: str) -> list[str]:
        return [str(meltano.executable), *(arg.replace("{tap}", tap) for arg in self.args)]


COMMANDS = (
    Command("select --list", ("select", "{tap}", "--list", "--no-install"), MODES),
    Command(
        "select --list --all", ("select", "{tap}", "--list", "--all", "--no-install"), ("warm",)
    ),
    Command("invoke --dump=catalog", ("invoke", "--dump=catalog", "--no-install", "{tap}"), MODES),
    Command("run", ("run", "--no-install", "{tap}", "target-jsonl"), MODES),
)
# 4.4.1 above the largest size of the plan's `catalog_reference_full`: these arms only, once
REFERENCE_AT_LARGEST = ("select --list warm", "run warm", ONE_STREAM_RUN)


@dataclass
class Projects:
    """The catalog projects of ours and 4.4.1, and what the warm arms noticed."""

    root: Path
    tap: Path
    meltanos: list[Meltano]
    lost: dict[str, int] = field(default_factory=dict)  # arm: rounds after which no cache was left
    rediscovered: dict[str, int] = field(default_factory=dict)  # warm arm: rounds it discovered

    @staticmethod
    def cache_files(meltano: Meltano) -> list[Path]:
        directory = meltano.project / ".meltano" / "run" / CACHED
        return [directory / "tap.properties.json", directory / "tap.properties.cache_key"]

    def cached(self, meltano: Meltano) -> bool:
        return all(path.exists() for path in self.cache_files(meltano))


def make_projects(ws: Workspace) -> Projects:
    """A second project per Meltano, beside the main ones, with the tap-streams extractors."""
    tap = plugin_script(TAP_SCRIPT, ws.root / "tap-streams")
    meltanos = []
    for meltano in ws.meltanos():
        pip_url = "    pip_url: tap-streams\n"
        extractors = EXTRACTOR.format(
            name=CACHED, namespace="tap_streams", tap=tap, pip_url=pip_url, config=""
        )
        extractors += EXTRACTOR.format(
            name=LOCAL, namespace="tap_streams_local", tap=tap, pip_url="", config=""
        )
        # the same run with a catalog of one stream (its config wins over TAP_STREAMS_STREAMS)
        extractors += EXTRACTOR.format(
            name=ONE,
            namespace="tap_streams_one",
            tap=tap,
            pip_url=pip_url,
            config="    config:\n      streams: 1\n",
        )
        text = MELTANO_YML.format(
            project_id=f"bench-catalog-{meltano.label}", extractors=extractors, target=ws.target
        )
        directory = ws.root / f"catalog-{'ours' if meltano.label == 'ours' else 'reference'}"
        project = init_project(meltano.executable, directory, meltano.label, text)
        prime = [str(meltano.executable), "select", ONE, "--list", "--no-install"]
        measure(prime, cwd=project.project, env=catalog_env(1))  # its cache, made once
        meltanos.append(project)
    return Projects(ws.root, tap, meltanos)


def catalog_env(streams: int) -> dict[str, str]:
    env = tap_env()
    env["TAP_STREAMS_STREAMS"] = env["TAP_STREAMS_LOCAL_STREAMS"] = str(streams)
    return env


def _discovered(meltano: Meltano) -> bool:
    """Whether the last measured command ran discovery (both Meltanos log it at info)."""
    log = meltano.project / "bench-stderr.log"
    return "catalog discovery" in log.read_text(errors="replace").lower()


def _warm(
    projects: Projects, meltano: Meltano, argv: list[str], env: dict[str, str], arm: str
) -> Sample:
    if not projects.cached(meltano):
        prime = [str(meltano.executable), "select", CACHED, "--list", "--no-install"]
        measure(prime, cwd=meltano.project, env=env)
    sample = measure(argv, cwd=meltano.project, env=env)
    if _discovered(meltano):
        projects.rediscovered[arm] = projects.rediscovered.get(arm, 0) + 1
    if not projects.cached(meltano):
        projects.lost[arm] = projects.lost.get(arm, 0) + 1
    return sample


def _cold(projects: Projects, meltano: Meltano, argv: list[str], env: dict[str, str]) -> Sample:
    for path in projects.cache_files(meltano):
        path.unlink(missing_ok=True)
    return measure(argv, cwd=meltano.project, env=env)


def arms_at(
    projects: Projects, streams: int, *, reference: tuple[str, ...] | None
) -> tuple[dict[str, Callable[[], Sample]], Path]:
    """Every arm at one size, and the discovered catalog file the floor arms read.

    `reference` limits 4.4.1 to those arms (`select --list warm`, ...); None runs all of them.
    """
    env = catalog_env(streams)
    for meltano in projects.meltanos:  # the last size's cache: the first warm arm makes its own
        for path in projects.cache_files(meltano):
            path.unlink(missing_ok=True)
    catalog = projects.root / f"catalog-{streams}.json"
    measure([str(projects.tap), "--discover"], cwd=projects.root, env=env, stdout=catalog)
    python = str(sys.executable)
    arms: dict[str, Callable[[], Sample]] = {
        DISCOVER: partial(measure, [str(projects.tap), "--discover"], cwd=projects.root, env=env),
        LOAD: partial(
            measure, [python, "-c", FLOOR_LOAD, str(catalog)], cwd=projects.root, env=env
        ),
        ROUND_TRIP: partial(
            measure, [python, "-c", FLOOR_ROUND_TRIP, str(catalog)], cwd=projects.root, env=env
        ),
    }
    for meltano in projects.meltanos:
        one = [str(meltano.executable), "run", "--no-install", ONE, "target-jsonl"]
        if meltano.label == "ours" or reference is None or ONE_STREAM_RUN in reference:
            arms[f"{meltano.label} {ONE_STREAM_RUN}"] = partial(
                measure, one, cwd=meltano.project, env=env
            )
        for command in COMMANDS:
            for mode in command.modes:
                name = f"{command.label} {mode}"
                if meltano.label != "ours" and reference is not None and name not in reference:
                    continue
                arm = f"{meltano.label} {name}"
                if mode == "warm":
                    argv = command.argv(meltano, CACHED)
                    arms[arm] = partial(_warm, projects, meltano, argv, env, arm)
                elif mode == "cold":
                    arms[arm] = partial(
                        _cold, projects, meltano, command.argv(meltano, CACHED), env
                    )
                else:
                    argv = command.argv(meltano, LOCAL)
                    arms[arm] = partial(measure, argv, cwd=meltano.project, env=env)
    return arms, catalog


def _minus(base: float, summary: Summary) -> float:
    return summary.cpu - base


def _cell(summary: Summary | None, value: Callable[[Summary], float], spec: str, width: int) -> str:
    if summary is None:
        return " " * width
    if not summary.rounds:
        return f"{f'failed ({summary.failed})':>{width}}"
    return f"{format(value(summary), spec):>{width}}"


def catalogs(ws: Workspace, plan: Plan) -> dict[str, object]:
    """Measure every size of the plan, print the tables, return the figures."""
    sizes: tuple[int, ...] = plan.catalog_sizes
    projects = make_projects(ws)
    results: dict[int, dict[str, Summary]] = {}
    json_mb: dict[int, float] = {}
    for streams in sizes:
        full_reference = streams <= plan.catalog_reference_full
        arms, catalog = arms_at(
            projects, streams, reference=None if full_reference else REFERENCE_AT_LARGEST
        )
        json_mb[streams] = catalog.stat().st_size / 1e6
        progress(f"catalogs: {streams:,} streams, {json_mb[streams]:.1f} MB of catalog JSON")
        rounds = plan.catalog_rounds if streams < 2000 else plan.catalog_big_rounds
        slow = {name: plan.catalog_reference_rounds for name in arms if name.startswith("4.4.1")}
        if not full_reference:
            slow = {name: 1 for name in slow}
        samples = interleave(arms, rounds=rounds, rounds_of=slow, progress=progress)
        results[streams] = {name: Summary.of(rows) for name, rows in samples.items()}
    _print(projects, results, json_mb)
    return {
        "sizes": results,
        "catalog_mb": json_mb,
        "cache_lost_after": projects.lost,
        "warm_arms_that_discovered": projects.rediscovered,
    }


def _print(
    projects: Projects, results: dict[int, dict[str, Summary]], json_mb: dict[int, float]
) -> None:
    labels = [meltano.label for meltano in projects.meltanos]
    print(
        "\n7. Catalogs: tap-streams, N streams of 38 properties in Singer SDK form, `select` globs"
        " and an exclusion,\n   a wildcard `metadata` rule. cpu = user+sys of every process of "
        "the arm, s; peak = VmHWM of meltano, MiB;\n   +disc = cpu minus the tap's own "
        "--discover (cold and uncached arms)"
    )
    header = f"{'streams':>8}  {'command':<30}"
    for label in labels:
        header += f"{f'{label} cpu':>11}{'+disc':>7}{'peak':>8}"
    print(header)
    for streams, arms in results.items():
        discover = arms[DISCOVER]
        print(
            f"{streams:>8,}  {f'catalog {json_mb[streams]:.1f} MB; tap --discover':<30}"
            f"{_cell(discover, lambda s: s.cpu, '.2f', 11)}"
        )
        floor = f"{arms[LOAD].cpu:.2f} / {arms[ROUND_TRIP].cpu:.2f}"
        print(f"{'':>8}  {'floor: json.load / + dumps':<30}{floor:>11}")
        for command in COMMANDS:
            for mode in command.modes:
                name = f"{command.label} {mode}"
                row = f"{'':>8}  {name:<30}"
                present = False
                for label in labels:
                    summary = arms.get(f"{label} {name}")
                    present = present or summary is not None
                    row += _cell(summary, lambda s: s.cpu, ".2f", 11)
                    over = summary if mode != "warm" else None
                    row += _cell(over, partial(_minus, discover.cpu), "+.2f", 7)
                    row += _cell(summary, lambda s: s.peak_mib, ".0f", 8)
                if present:
                    print(row)
        for name in (ONE_STREAM_RUN, "run: catalog step (warm - 1 stream)"):
            row = f"{'':>8}  {name:<30}"
            for label in labels:
                summary = arms.get(f"{label} {ONE_STREAM_RUN}")
                warm = arms.get(f"{label} run warm")
                if name == ONE_STREAM_RUN:
                    row += _cell(summary, lambda s: s.cpu, ".2f", 11) + " " * 7
                    row += _cell(summary, lambda s: s.peak_mib, ".0f", 8)
                elif summary is not None and warm is not None and summary.rounds and warm.rounds:
                    row += f"{warm.cpu - summary.cpu:>11.2f}" + " " * 15
                else:
                    row += " " * 26
            print(row)
    _print_per_stream(labels, results)
    for what, counts in (
        ("left no cached catalog behind", projects.lost),
        ("ran discovery although warm", projects.rediscovered),
    ):
        for arm, count in counts.items():
            print(f"   {arm}: {what} in {count} round(s)")


def _print_per_stream(labels: list[str], results: dict[int, dict[str, Summary]]) -> None:
    """The marginal cost per stream between consecutive sizes: flat when cost is linear."""
    sizes = list(results)
    if len(sizes) < 2:
        return
    steps = list(itertools.pairwise(sizes))
    print(
        "   marginal cpu per stream, ms (cpu difference / stream difference between sizes):"
        + "".join(f"{f'{a}->{b}':>13}" for a, b in steps)
    )
    for command in COMMANDS:
        for mode in command.modes:
            for label in labels:
                arm = f"{label} {command.label} {mode}"
                cells = ""
                for a, b in steps:
                    low, high = results[a].get(arm), results[b].get(arm)
                    if low is None or high is None or not low.rounds or not high.rounds:
                        cells += f"{'':>13}"
                    else:
                        cells += f"{(high.cpu - low.cpu) / (b - a) * 1e3:>13.3f}"
                if cells.strip():
                    print(f"     {arm:<44}{cells}")
