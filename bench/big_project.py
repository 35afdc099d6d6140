"""Section 8: commands on a big generated project (300 plugins, 200 schedules, 5 environments).

The project is generated: a quarter of the plugins are base extractors and a quarter base
loaders (custom definitions of tap-counter and target-jsonl with ten settings each, a secret
among them), the other half inherit from them (`inherit_from`) with config of their own; one
job per inheriting extractor; half the schedules run jobs, half extractor/loader pairs; every
environment overrides config of every other plugin and sets `env`. Ours and 4.4.1 get the same
meltano.yml. Besides the big project the full plan measures `compile` on one with half the
plugins and one with twice the environments, to show how it grows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from measure import Sample, Summary, interleave, measure
from sections import Plan, progress
from workspace import Meltano, Workspace, init_project, tap_env

ENVIRONMENTS = ("dev", "staging", "prod", "ci", "qa", "perf", "demo", "eu", "us", "apac")
SETTINGS = """\
    settings:
    - {name: records, kind: integer}
    - {name: start_date, kind: date_iso8601}
    - {name: user, kind: string}
    - {name: password, kind: password, sensitive: true}
    - {name: api_url, kind: string, value: 'https://api.example.com/v1'}
    - {name: timeout, kind: integer, value: 30}
    - {name: enabled, kind: boolean, value: true}
    - {name: region, kind: options, options: [{label: EU, value: eu}, {label: US, value: us}]}
    - {name: tags, kind: array}
    - {name: options, kind: object}
"""


@dataclass(frozen=True)
class Shape:
    """How big a generated project is."""

    plugins: int
    schedules: int
    environments: int

    @property
    def label(self) -> str:
        return f"{self.plugins} plugins, {self.environments} environments"


BIG = Shape(300, 200, 5)


def meltano_yml(shape: Shape, tap: str, target: str, project_id: str) -> str:
    """The generated meltano.yml (plain block YAML, as users write it)."""
    bases = shape.plugins // 4
    lines = [
        "default_environment: dev",
        f"project_id: {project_id}",
        "send_anonymous_usage_stats: false",
        "auto_install: false",
        "plugins:",
        "  extractors:",
    ]
    for kind, prefix, executable in (("extractors", "tap", tap), ("loaders", "target", target)):
        if kind == "loaders":
            lines.append("  loaders:")
        for number in range(bases):
            name = f"{prefix}-{number:03d}"
            lines += [
                f"  - name: {name}",
                f"    namespace: {prefix}_{number:03d}",
                f"    executable: {executable}",
                "    capabilities: [state]" if kind == "extractors" else "    dialect: jsonl",
                SETTINGS.rstrip("\n"),
                "    config:",
                f"      user: user{number}",
                "      start_date: '2024-01-01'",
                f"      region: {'eu' if number % 2 else 'us'}",
                "      tags: [a, b]",
                f"      options: {{depth: {number % 5}, mode: fast}}",
            ]
        for number in range(bases):
            base = f"{prefix}-{number:03d}"
            lines += [
                f"  - name: {base}-child",
                f"    inherit_from: {base}",
                "    config:",
                f"      records: {number * 10}",
                f"      timeout: {60 + number}",
            ]
    lines.append("environments:")
    for environment in ENVIRONMENTS[: shape.environments]:
        lines += [
            f"- name: {environment}",
            "  config:",
            "    plugins:",
        ]
        for kind, prefix in (("extractors", "tap"), ("loaders", "target")):
            lines.append(f"      {kind}:")
            for number in range(0, bases, 2):
                for suffix in ("", "-child"):
                    lines += [
                        f"      - name: {prefix}-{number:03d}{suffix}",
                        "        config:",
                        f"          user: {environment}-user{number}",
                        f"          api_url: https://{environment}.example.com/v1",
                    ]
        lines += ["  env:", f"    BIG_PROJECT_ENVIRONMENT: {environment}"]
    lines.append("jobs:")
    jobs = [f"job-{number:03d}" for number in range(bases)]
    for number, job in enumerate(jobs):
        lines += [
            f"- name: {job}",
            "  tasks:",
            f"  - tap-{number:03d}-child target-{number:03d}-child",
        ]
    lines.append("schedules:")
    for number in range(shape.schedules):
        if number % 2:
            lines += [
                f"- name: job-schedule-{number:03d}",
                f"  job: {jobs[number % len(jobs)]}",
                "  interval: '@daily'",
            ]
        else:
            base = number % bases
            lines += [
                f"- name: el-schedule-{number:03d}",
                f"  extractor: tap-{base:03d}",
                f"  loader: target-{base:03d}",
                "  transform: skip",
                f"  interval: '{number % 60} */6 * * *'",
            ]
    return "\n".join(lines) + "\n"


def commands(meltano: Meltano) -> dict[str, list[str]]:
    executable = str(meltano.executable)
    return {
        "compile": [executable, "compile"],
        "config list tap-001-child": [executable, "config", "list", "tap-001-child"],
        "schedule list --format=json": [executable, "schedule", "list", "--format=json"],
        "job list": [executable, "job", "list"],
        "run --dry-run job-001": [executable, "run", "--dry-run", "job-001"],
    }


def big_project(ws: Workspace, plan: Plan) -> dict[str, dict[str, Summary]]:
    """Every command on the big project; `compile` also on the plan's other shapes."""
    shapes = [Shape(*shape) for shape in plan.project_shapes]
    env = tap_env()
    results: dict[str, dict[str, Summary]] = {}
    for shape in shapes:
        arms: dict[str, Callable[[], Sample]] = {}
        slow: dict[str, int] = {}
        for meltano in ws.meltanos():
            if shape != BIG and meltano.label != "ours":
                continue
            directory = ws.root / f"project-{shape.plugins}-{shape.environments}-{meltano.label}"
            text = meltano_yml(shape, str(ws.tap), str(ws.target), f"bench-big-{meltano.label}")
            project = init_project(meltano.executable, directory, meltano.label, text)
            for name, argv in commands(project).items():
                if shape != BIG and name != "compile":
                    continue
                if name == "compile":
                    if meltano.label != "ours" and not plan.project_reference_compile:
                        continue
                    slow[f"{meltano.label} {name}"] = plan.project_compile_rounds
                arms[f"{meltano.label} {name}"] = partial(
                    measure, argv, cwd=project.project, env=env
                )
        progress(f"big project: {shape.label}, {shape.schedules} schedules")
        samples = interleave(arms, rounds=plan.project_rounds, rounds_of=slow, progress=progress)
        results[shape.label] = {name: Summary.of(rows) for name, rows in samples.items()}
    _print(ws, results)
    return results


def _print(ws: Workspace, results: dict[str, dict[str, Summary]]) -> None:
    labels = [meltano.label for meltano in ws.meltanos()]
    print(
        "\n8. Big project (generated; half the plugins inherit): cpu = user+sys of the "
        "arm, s; peak = VmHWM of meltano, MiB"
    )
    print(
        f"{'project':<34}{'command':<30}"
        + "".join(f"{f'{label} cpu':>11}{'peak':>8}" for label in labels)
    )
    for shape, arms in results.items():
        for number, name in enumerate(dict.fromkeys(arm.split(" ", 1)[1] for arm in arms)):
            row = f"{shape if number == 0 else '':<34}{name:<30}"
            for label in labels:
                summary = arms.get(f"{label} {name}")
                if summary is None:
                    row += " " * 19
                elif not summary.rounds:
                    row += f"{f'failed ({summary.failed})':>19}"
                else:
                    row += f"{summary.cpu:>11.2f}{summary.peak_mib:>8.0f}"
            print(row)
