"""The benchmark's throw-away projects and the commands of each arm.

Every arm runs the same two stdlib Singer scripts, tests/plugins/tap_counter.py and
target_jsonl.py (writing to /dev/null), under the same interpreter: both are copied into the work
directory with `#!<this Python>` as their first line, and the projects' `executable:` and the
bare shell pipe start those copies. The tap's settings (records, state_every, width,
stderr_lines, ...) are passed as TAP_COUNTER_* environment variables, which the tap reads itself,
so one project serves every size and the bare pipe gets exactly the same settings.

Ours and Meltano 4.4.1 get a project each (same meltano.yml, its own system database).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PLUGINS = Path(__file__).resolve().parent.parent / "tests" / "plugins"
MELTANO_YML = """\
default_environment: dev
project_id: {project_id}
send_anonymous_usage_stats: false
environments:
- name: dev
plugins:
  extractors:
  - name: tap-counter
    namespace: tap_counter
    executable: {tap}
    capabilities: [state]
    settings:
    - name: records
      kind: integer
    - name: start_date
      kind: date_iso8601
    - name: api_key  # a secret, as real projects have: every stderr batch is scanned for it
      kind: password
    config:
      start_date: '2024-01-01'
      api_key: bench-api-key-0123456789
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {target}
    config:
      path: /dev/null
jobs:
- name: counter-job
  tasks:
  - tap-counter target-jsonl
schedules:
- name: counter-daily
  extractor: tap-counter
  loader: target-jsonl
  transform: skip
  interval: '@daily'
- name: counter-hourly
  job: counter-job
  interval: '@hourly'
"""
PIPELINE = ["tap-counter", "target-jsonl"]


@dataclass(frozen=True)
class Meltano:
    """One meltano executable and its project."""

    label: str  # "ours" or "4.4.1"
    executable: Path
    project: Path

    def run(self) -> list[str]:
        return [str(self.executable), "run", "--full-refresh", *PIPELINE]

    def el(self) -> list[str]:
        return [str(self.executable), "el", *PIPELINE, "--state-id", "bench-el", "--full-refresh"]

    def cold(self) -> dict[str, list[str]]:
        """The cold-start commands, by name."""
        meltano = str(self.executable)
        return {
            "--version": [meltano, "--version"],
            "--help": [meltano, "--help"],
            "config list tap-counter": [meltano, "config", "list", "tap-counter"],
            "schedule list --format=json": [meltano, "schedule", "list", "--format=json"],
        }


@dataclass(frozen=True)
class Workspace:
    root: Path
    tap: Path
    target: Path
    ours: Meltano
    reference: Meltano | None

    def meltanos(self) -> list[Meltano]:
        return [self.ours] if self.reference is None else [self.ours, self.reference]

    def bare_pipe(self) -> list[str]:
        """`tap | target > /dev/null` in a shell; the tap's stderr goes where the shell's goes."""
        target_config = self.root / "target.json"
        target_config.write_text('{"path": "/dev/null"}')
        tap = shlex.quote(str(self.tap))
        target = shlex.join([str(self.target), "--config", str(target_config)])
        return ["sh", "-c", f"{tap} | {target} > /dev/null"]


def tap_env(**settings: int) -> dict[str, str]:
    """The process environment with the tap's settings and no usage stats.

    PYTHONUNBUFFERED (set on some machines) is dropped: it would make the plugins write each
    record with its own system call, which is not how they run for users."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TAP_COUNTER_", "TARGET_JSONL_", "MELTANO_"))
        and name not in ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")
    }
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.update({f"TAP_COUNTER_{name.upper()}": str(value) for name, value in settings.items()})
    return env


def plugin_script(source: Path, destination: Path) -> Path:
    """A copy of a stdlib Singer script that runs under this very interpreter."""
    body = source.read_text().split("\n", 1)[1]
    destination.write_text(f"#!{sys.executable}\n{body}")
    destination.chmod(0o755)
    return destination


def init_project(executable: Path, directory: Path, label: str, meltano_yml: str) -> Meltano:
    """`meltano init` a project (its system database), then give it this meltano.yml."""
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    env = tap_env()
    if label == "ours":
        directory.mkdir()
        subprocess.run([str(executable), "init", "--force", "."], cwd=directory, env=env, **quiet)
    else:
        subprocess.run(
            [str(executable), "init", "--no_usage_stats", directory.name],
            cwd=directory.parent,
            env=env,
            **quiet,
        )
    (directory / "meltano.yml").write_text(meltano_yml)
    # the first command after init may migrate or create tables: keep that out of the timings
    subprocess.run([str(executable), "schedule", "list"], cwd=directory, env=env, **quiet)
    return Meltano(label, executable, directory)


def make_project(executable: Path, directory: Path, tap: Path, target: Path, label: str) -> Meltano:
    """A project with the benchmark's meltano.yml (tap-counter, target-jsonl, a job, schedules)."""
    text = MELTANO_YML.format(project_id=f"bench-{label}", tap=tap, target=target)
    return init_project(executable, directory, label, text)


def make_workspace(root: Path, ours: Path, reference: Path | None) -> Workspace:
    tap = plugin_script(PLUGINS / "tap_counter.py", root / "tap-counter")
    target = plugin_script(PLUGINS / "target_jsonl.py", root / "target-jsonl")
    mine = make_project(ours, root / "ours", tap, target, "ours")
    theirs = None
    if reference is not None:
        theirs = make_project(reference, root / "reference", tap, target, "4.4.1")
    return Workspace(root, tap, target, mine, theirs)


def describe(env: Mapping[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in env.items() if k.startswith("TAP_COUNTER_"))
