"""A project with the stdlib Singer plugins of tests/plugins, for pipeline tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
STATE_ID = "dev:tap-counter-to-target-jsonl"


@pytest.fixture
def pipeline_project(project_dir: Path) -> Path:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + f"""
plugins:
  extractors:
  - name: tap-counter
    namespace: tap_counter
    executable: {PLUGINS / "tap_counter.py"}
    capabilities: [state, catalog, discover]
    settings:
    - {{name: records, kind: integer}}
    - {{name: state_every, kind: integer}}
    - {{name: secret, kind: password}}
    config:
      records: 6
      state_every: 2
      secret: hunter2-secret
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {PLUGINS / "target_jsonl.py"}
    config:
      path: $MELTANO_PROJECT_ROOT/output/${{MELTANO_EXTRACTOR_NAMESPACE}}.jsonl
  mappers:
  - name: mapper-upper
    namespace: mapper_upper
    executable: {PLUGINS / "mapper_upper.py"}
    mappings:
    - name: upper
      config: {{}}
  utilities:
  - name: util
    namespace: util
    executable: sh
    commands:
      hello: -c "echo hello-from-util > $MELTANO_PROJECT_ROOT/output/util.txt"
      fail: -c "exit 4"
jobs:
- name: everything
  tasks:
  - tap-counter target-jsonl
  - util:hello
"""
    )
    return project_dir


def rows(project: Path) -> list[dict]:
    path = project / "output" / "tap_counter.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def ids(project: Path) -> list[int]:
    return [row["record"]["id"] for row in rows(project) if row.get("type") == "RECORD"]


def state(invoke, state_id: str = STATE_ID) -> dict:
    result = invoke("state", "get", state_id)
    return json.loads(result.stdout) if result.exit_code == 0 else {}


def runs(invoke) -> list[dict]:
    return json.loads(invoke("logs", "list", "--format", "json").stdout)["runs"]
