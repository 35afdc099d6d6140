"""File bundles: `meltano add` copies a bundle's files, `meltano upgrade files` rewrites
the ones its `update` extra manages. The bundle is repo's files/files-airflow-meltano, built
with a standard-library backend, so installing it needs no package index."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path, PurePosixPath

import pytest

from meltano.core.plugins.bundles import bundle_files, is_managed, managed_header

BUNDLE = Path(__file__).resolve().parents[2] / "files" / "files-airflow-meltano"
DAG = Path("orchestrate/airflow/dags/meltano.py")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the bundle with a README.md beside the DAG generator."""
    copy = tmp_path / "bundle-src"
    shutil.copytree(BUNDLE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "bundle" / "README.md").write_text("bundle readme\n")
    return copy


def reference(tmp_path: Path, bundle: Path, update: str) -> str:
    path = tmp_path / "ref.yml"
    path.write_text(
        f"name: files-airflow-meltano\nnamespace: files_airflow_meltano\n"
        f"pip_url: {bundle}\n{update}"
    )
    return str(path)


def add(invoke, ref: str):
    return invoke("add", "--plugin-type", "files", "files-airflow-meltano", "--from-ref", ref)


def test_add_copies_files_keeps_both_and_marks_managed_ones(invoke, project_dir, tmp_path, bundle):
    (project_dir / "README.md").write_text("mine\n")
    result = add(invoke, reference(tmp_path, bundle, f"update:\n  {DAG}: true\n"))
    assert result.exit_code == 0, result.output
    assert (project_dir / "README.md").read_text() == "mine\n"
    assert (project_dir / "README (files-airflow-meltano).md").read_text() == "bundle readme\n"
    dag = (project_dir / DAG).read_text()
    assert dag.startswith("# This file is managed by the 'files-airflow-meltano' file bundle")
    assert dag.endswith((BUNDLE / "bundle" / DAG).read_text())
    assert not (project_dir / "__init__.py").exists()
    assert "files-airflow-meltano" in (project_dir / "meltano.yml").read_text()


def test_upgrade_files_rewrites_only_managed_files(invoke, project_dir, tmp_path, bundle):
    add(invoke, reference(tmp_path, bundle, f"update:\n  {DAG}: true\n"))
    (project_dir / DAG).write_text("edited\n")
    (project_dir / "README (files-airflow-meltano).md").write_text("edited\n")
    result = invoke("upgrade", "files")
    assert result.exit_code == 0, result.output
    assert (project_dir / DAG).read_text().endswith("globals().update(build_dags())\n")
    assert (project_dir / "README (files-airflow-meltano).md").read_text() == "edited\n"
    again = invoke("upgrade", "files")
    assert again.stdout.splitlines()[-1] == "Nothing to update"


def test_the_headers_config_command_stops_the_updates(invoke, project_dir, tmp_path, bundle):
    add(invoke, reference(tmp_path, bundle, f"update:\n  {DAG}: true\n"))
    header = (project_dir / DAG).read_text().splitlines()[:4]
    command = shlex.split(header[2].removeprefix("#").strip())
    assert command[:3] == ["meltano", "config", "set"]
    result = invoke(*command[1:])
    assert result.exit_code == 0, result.output
    # The value replaces `true` in place, a boolean and under the path as written (4.4.1 too).
    assert f"    update:\n      {DAG}: false\n" in (project_dir / "meltano.yml").read_text()
    (project_dir / DAG).write_text("edited\n")
    assert invoke("upgrade", "files").stdout.splitlines()[-1] == "Nothing to update"
    assert (project_dir / DAG).read_text() == "edited\n"


def test_bundle_without_update_is_not_kept_in_meltano_yml(invoke, project_dir, tmp_path, bundle):
    result = add(invoke, reference(tmp_path, bundle, ""))
    assert result.exit_code == 0, result.output
    assert (project_dir / DAG).read_text().startswith('"""Meltano schedules as Airflow DAGs')
    assert "files-airflow-meltano" not in (project_dir / "meltano.yml").read_text()


def test_bundle_files_come_from_the_distribution_record(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    (site / "bundle" / "a").mkdir(parents=True)
    (site / "bundle" / "a" / "x.sql").write_text("select 1")
    (site / "bundle" / "stray.txt").write_text("not in RECORD")
    (site / "pkg-1.dist-info").mkdir()
    (site / "pkg-1.dist-info" / "RECORD").write_text(
        "bundle/__init__.py,,\nbundle/a/x.sql,sha256=x,8\nbundle/__pycache__/m.pyc,,\n"
        "other/mod.py,,\npkg-1.dist-info/RECORD,,\n"
    )
    (found,) = bundle_files(tmp_path)
    assert found.relative == PurePosixPath("a/x.sql")
    assert found.source == site / "bundle" / "a" / "x.sql"


def test_update_patterns() -> None:
    update = {"orchestrate/**": True, "orchestrate/keep.py": "false", "*.sql": True}
    assert is_managed(PurePosixPath("orchestrate/dags/x.py"), update)
    assert not is_managed(PurePosixPath("orchestrate/keep.py"), update)
    assert is_managed(PurePosixPath("x.sql"), update)
    assert not is_managed(PurePosixPath("README.md"), update)
    assert managed_header("b", PurePosixPath("m.sql")).startswith("-- This file is managed")
    assert managed_header("b", PurePosixPath("README.md")) == ""
