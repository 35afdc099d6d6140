from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path

import pytest

PLUGINS = """
plugins:
  loaders:
  - name: target-jsonl  # the loader
    variant: andyh1203
    pip_url: target-jsonl
  - name: target-jsonl-two
    inherit_from: target-jsonl
  extractors:
  - name: tap-x
    namespace: tap_x
"""


@pytest.fixture
def project(project_dir: Path) -> Path:
    path = project_dir / "meltano.yml"
    path.write_text("# keep this comment\n" + path.read_text() + PLUGINS)
    locks = project_dir / "plugins" / "loaders"
    locks.mkdir(parents=True)
    for name in ("target-jsonl--andyh1203.lock", "target-jsonl-two--x.lock", "target-jsonl.lock"):
        (locks / name).write_text(json.dumps({"name": name}))
    venv = project_dir / ".meltano" / "loaders" / "target-jsonl" / "venv"
    venv.mkdir(parents=True)
    with sqlite3.connect(project_dir / ".meltano" / "meltano.db") as db:
        db.execute(
            "INSERT INTO plugin_settings (name, namespace, value, enabled) VALUES (?,?,?,1)",
            ("path", "loaders.target-jsonl.default", pickle.dumps("out", protocol=4)),
        )
    return project_dir


def test_remove_cleans_every_location(invoke, project: Path) -> None:
    result = invoke("remove", "target-jsonl")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Removed loader 'target-jsonl'\n"
    text = (project / "meltano.yml").read_text()
    assert text.startswith("# keep this comment\n")
    assert "- name: target-jsonl  #" not in text
    assert "target-jsonl-two" in text
    assert not (project / ".meltano" / "loaders" / "target-jsonl").exists()
    remaining = sorted(p.name for p in (project / "plugins" / "loaders").iterdir())
    assert remaining == ["target-jsonl-two--x.lock"]
    with sqlite3.connect(project / ".meltano" / "meltano.db") as db:
        assert db.execute("SELECT count(*) FROM plugin_settings").fetchone()[0] == 0
    assert "target-jsonl-two" in result.stderr  # warned about the inheriting plugin


def test_remove_last_of_a_type_drops_the_key(invoke, project: Path) -> None:
    assert invoke("remove", "tap-x").exit_code == 0
    assert "extractors:" not in (project / "meltano.yml").read_text()


def test_remove_unknown_is_reported(invoke, project: Path) -> None:
    before = (project / "meltano.yml").read_text()
    result = invoke("remove", "nope")
    assert result.exit_code == 0
    assert result.stdout == "Utility 'nope' is not in this project\n"
    assert (project / "meltano.yml").read_text() == before


def test_remove_several(invoke, project: Path) -> None:
    result = invoke("remove", "tap-x", "target-jsonl-two")
    assert result.stdout.splitlines() == [
        "Removed extractor 'tap-x'",
        "Removed loader 'target-jsonl-two'",
    ]
    assert "fully_removed='2/2'" in result.stderr


def test_read_only_refuses(invoke, project: Path) -> None:
    result = invoke("remove", "tap-x", env={"MELTANO_PROJECT_READONLY": "1"})
    assert result.exit_code == 1
    assert "read-only" in result.stderr
    assert "tap-x" in (project / "meltano.yml").read_text()
