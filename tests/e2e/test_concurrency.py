"""Pipelines started at the same time, as real `meltano` processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode

pytestmark = pytest.mark.slow


def start(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "meltano", "--log-level", "warning", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def two_targets(pipeline_project: Path) -> Path:
    path = pipeline_project / "meltano.yml"
    path.write_text(
        path.read_text().replace(
            """  mappers:""",
            """  - name: target-b
    inherit_from: target-jsonl
    config:
      path: $MELTANO_PROJECT_ROOT/output/b.jsonl
  mappers:""",
        )
    )
    return pipeline_project


def test_one_tap_into_two_targets_at_once(two_targets: Path) -> None:
    for round_number in range(10):
        first = start(two_targets, "run", "--full-refresh", "tap-counter", "target-jsonl")
        second = start(two_targets, "run", "--full-refresh", "tap-counter", "target-b")
        for process in (first, second):
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, f"round {round_number}: {err}"
    lines = (two_targets / "output" / "b.jsonl").read_text().splitlines()
    assert sum(1 for line in lines if json.loads(line)["type"] == "RECORD") == 60


def test_simultaneous_runs_of_one_pipeline_let_exactly_one_through(pipeline_project: Path) -> None:
    slow = {"TAP_COUNTER_SLEEP_AT": "1", "TAP_COUNTER_SLEEP": "4"}
    processes = [
        start(pipeline_project, "run", "tap-counter", "target-jsonl", env=slow) for _ in range(5)
    ]
    codes = []
    for process in processes:
        process.communicate(timeout=120)
        codes.append(process.returncode)
    assert sorted(codes) == [0] + [ExitCode.ALREADY_RUNNING] * 4
    records = [
        json.loads(line)
        for line in (pipeline_project / "output" / "tap_counter.jsonl").read_text().splitlines()
    ]
    assert [r["record"]["id"] for r in records if r["type"] == "RECORD"] == [1, 2, 3, 4, 5, 6]
