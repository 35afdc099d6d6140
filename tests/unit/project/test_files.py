from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.errors import ProjectFileError
from meltano.core.project.files import ProjectFiles
from meltano.core.project.project import Project


def setup(tmp_path: Path, root: str, **included: str) -> Path:
    (tmp_path / "meltano.yml").write_text(root)
    for name, text in included.items():
        path = tmp_path / "sub" / f"{name}.meltano.yml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    return tmp_path


ROOT = "include_paths: ['./sub/*.meltano.yml']\nplugins:\n  extractors:\n  - name: a\n"


def test_included_files_merge(tmp_path: Path) -> None:
    setup(tmp_path, ROOT, x="plugins:\n  extractors:\n  - name: b\n  loaders:\n  - name: c\n")
    merged = ProjectFiles.load(tmp_path).merged()
    assert [p["name"] for p in merged["plugins"]["extractors"]] == ["a", "b"]
    assert merged["plugins"]["loaders"] == [{"name": "c"}]


def test_duplicate_across_files_is_an_error(tmp_path: Path) -> None:
    setup(tmp_path, ROOT, x="plugins:\n  extractors:\n  - name: a\n")
    with pytest.raises(ProjectFileError, match="Duplicate plugin name found"):
        ProjectFiles.load(tmp_path)


def test_edit_goes_to_the_owning_file(tmp_path: Path) -> None:
    setup(tmp_path, ROOT, x="# keep me\nplugins:\n  extractors:\n  - name: b\n")
    project = Project(tmp_path, environ={})
    root_before = (tmp_path / "meltano.yml").read_text()
    with project.edit() as files:
        found = files.find("extractors", "b")
        assert found is not None
        found[1]["config"] = {"k": "v"}
    assert (tmp_path / "meltano.yml").read_text() == root_before
    included = (tmp_path / "sub" / "x.meltano.yml").read_text()
    assert included.startswith("# keep me\n")
    assert "config:\n      k: v" in included or "config:\n    k: v" in included


def test_failed_edit_writes_nothing(tmp_path: Path) -> None:
    setup(tmp_path, ROOT)
    before = (tmp_path / "meltano.yml").read_text()
    project = Project(tmp_path, environ={})
    with pytest.raises(RuntimeError), project.edit() as files:
        files.root.data["plugins"]["extractors"].append({"name": "z"})
        raise RuntimeError("boom")
    assert (tmp_path / "meltano.yml").read_text() == before


def test_edit_that_breaks_the_schema_is_refused(tmp_path: Path) -> None:
    setup(tmp_path, ROOT)
    before = (tmp_path / "meltano.yml").read_text()
    project = Project(tmp_path, environ={})
    with pytest.raises(ProjectFileError), project.edit() as files:
        files.root.data["plugins"]["extractors"].append({"name": "a"})
    assert (tmp_path / "meltano.yml").read_text() == before


def test_include_outside_project_is_an_error(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (tmp_path / "outside.meltano.yml").write_text("plugins: {}\n")
    (project / "meltano.yml").write_text("include_paths: ['../*.meltano.yml']\n")
    with pytest.raises(ProjectFileError, match="outside the project"):
        ProjectFiles.load(project)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "meltano.yml").write_text("")
    with pytest.raises(ProjectFileError, match="is empty"):
        ProjectFiles.load(tmp_path)


def test_write_failure_is_a_clear_error_and_keeps_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from meltano.core.errors import MeltanoError

    setup(tmp_path, ROOT)
    before = (tmp_path / "meltano.yml").read_text()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    project = Project(tmp_path, environ={})
    with (
        pytest.raises(MeltanoError, match=r"Cannot write .*No space left on device"),
        project.edit() as files,
    ):
        files.root.data["plugins"]["extractors"].append({"name": "z"})
    assert (tmp_path / "meltano.yml").read_text() == before


def test_merged_view_is_built_once_per_read_of_the_files(tmp_path: Path) -> None:
    setup(tmp_path, ROOT, x="plugins:\n  loaders:\n  - name: c\n")
    project = Project(tmp_path, environ={})
    first = project.meltano
    assert project.meltano is first  # no copy per access: compile asks thousands of times
    assert [p["name"] for p in first["plugins"]["extractors"]] == ["a"]
    assert first == project.files.merged()


def test_merged_view_follows_edits_and_refresh(tmp_path: Path) -> None:
    setup(tmp_path, ROOT, x="plugins:\n  loaders:\n  - name: c\n")
    project = Project(tmp_path, environ={})
    before = project.meltano
    with project.edit() as files:
        files.root.data["plugins"]["extractors"].append({"name": "d"})
    after = project.meltano
    assert [p["name"] for p in after["plugins"]["extractors"]] == ["a", "d"]
    assert [p["name"] for p in before["plugins"]["extractors"]] == ["a"]  # untouched by edits
    (tmp_path / "sub" / "x.meltano.yml").write_text("plugins:\n  loaders:\n  - name: e\n")
    project.refresh()
    assert [p["name"] for p in project.meltano["plugins"]["loaders"]] == ["e"]
