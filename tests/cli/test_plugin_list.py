from __future__ import annotations

import json
from pathlib import Path

PLUGINS = """
plugins:
  mappers:
  - name: mapper-m
    namespace: mapper_m
    mappings:
    - name: upper
  extractors:
  - name: tap-fake
    namespace: tap_fake
    executable: ./tap.py
  - name: tap-failing
    inherit_from: tap-fake
  loaders:
  - name: target-jsonl
    variant: andyh1203
    pip_url: target-jsonl
"""


def test_json_in_type_order(invoke, project_dir: Path) -> None:
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + PLUGINS)
    rows = json.loads(invoke("plugin", "list", "--format", "json").stdout)
    assert [(r["type"], r["name"]) for r in rows] == [
        ("extractor", "tap-fake"),
        ("extractor", "tap-failing"),
        ("loader", "target-jsonl"),
        ("mapper", "mapper-m"),
    ]
    assert rows[0] == {
        "type": "extractor",
        "name": "tap-fake",
        "variant": "default",
        "inherit_from": None,
        "custom": True,
        "update": False,
        "pip_url": None,
    }
    assert rows[1]["inherit_from"] == "tap-fake"
    assert rows[1]["custom"] is False
    assert rows[2]["variant"] == "andyh1203"
    assert rows[2]["pip_url"] == "target-jsonl"


def test_text_and_empty(invoke, project_dir: Path) -> None:
    assert invoke("plugin", "list").stdout == (
        "No plugins are defined in this project.\nAdd one with 'meltano add'.\n"
    )
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + PLUGINS)
    text = invoke("plugin", "list").stdout
    assert "tap-failing" in text
    assert "(inherited)" in text
    assert "✓" in text
