"""Reading a project answers from the parsed cache only for the exact text that passed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meltano.core.errors import ProjectFileError
from meltano.core.project import parsed_cache
from meltano.core.project.files import ProjectFiles

YML = "default_environment: dev\nproject_id: p\nenvironments:\n- name: dev\n"


def entries() -> list[Path]:
    return sorted((parsed_cache.cache_dir() / "parsed").glob("*.json"))


def test_a_read_fills_the_cache_and_the_next_read_uses_it(tmp_path: Path) -> None:
    (tmp_path / "meltano.yml").write_text(YML)
    first = ProjectFiles.load(tmp_path, editable=False)
    (entry,) = entries()
    assert json.loads(entry.read_text())["data"] == first.root.data
    assert entry.stat().st_mode & 0o777 == 0o600
    second = ProjectFiles.load(tmp_path, editable=False)
    assert type(second.root.data) is dict  # plain JSON data, no YAML parser involved
    assert second.root.data == {"default_environment": "dev", "project_id": "p",
                                 "environments": [{"name": "dev"}]}  # fmt: skip


def test_a_changed_text_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "meltano.yml"
    path.write_text(YML)
    ProjectFiles.load(tmp_path, editable=False)
    path.write_text(YML.replace("project_id: p", "project_id: q"))
    assert ProjectFiles.load(tmp_path, editable=False).root.data["project_id"] == "q"
    assert len(entries()) == 1  # one entry per file, replaced


def test_an_invalid_change_is_reported_not_served_from_cache(tmp_path: Path) -> None:
    path = tmp_path / "meltano.yml"
    path.write_text(YML)
    ProjectFiles.load(tmp_path, editable=False)
    path.write_text(YML + "plugins:\n  extractors:\n  - name: tap\n    executabel: x\n")
    with pytest.raises(ProjectFileError, match="executabel"):
        ProjectFiles.load(tmp_path, editable=False)


def test_values_json_would_change_are_never_cached(tmp_path: Path) -> None:
    (tmp_path / "meltano.yml").write_text(YML + "x_started: 2024-01-02\nx_map: {1: one}\n")
    files = ProjectFiles.load(tmp_path, editable=False)
    assert files.root.data["x_map"] == {1: "one"}
    assert entries() == []


def test_editing_never_uses_the_cache(tmp_path: Path) -> None:
    (tmp_path / "meltano.yml").write_text("# keep me\n" + YML)
    ProjectFiles.load(tmp_path, editable=False)
    editable = ProjectFiles.load(tmp_path)
    assert type(editable.root.data) is not dict  # a round-trip mapping with comments
    assert "# keep me" in editable.root.render()


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    (tmp_path / "meltano.yml").write_text(YML)
    ProjectFiles.load(tmp_path, editable=False)
    (entry,) = entries()
    entry.write_text("{not json")
    assert ProjectFiles.load(tmp_path, editable=False).root.data["project_id"] == "p"
