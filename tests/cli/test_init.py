from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from meltano.cli.root import cli
from meltano.core.errors import ExitCode


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_init_creates_the_layout(tmp_path: Path) -> None:
    result = run("init", "demo")
    assert result.exit_code == 0, result.output
    demo = tmp_path / "demo"
    files = sorted(str(p.relative_to(demo)) for p in demo.rglob("*") if p.is_file())
    assert (
        files
        == sorted(
            [
                ".gitignore",
                "README.md",
                "requirements.txt",
                "meltano.yml",
                "output/.gitignore",
                "extract/.gitkeep",
                "load/.gitkeep",
                "transform/.gitkeep",
                "analyze/.gitkeep",
                "notebook/.gitkeep",
                "orchestrate/.gitkeep",
                ".meltano/.gitignore",
                ".meltano/CACHEDIR.TAG",
                ".meltano/analytics.json",
                ".meltano/meltano.db",
                ".meltano/meltano.db.lock",  # held while the schema is created or migrated
                ".meltano/run/meltano.yml.lock",
            ]
        )
        or ".meltano/meltano.db-wal" in files
    )
    lines = (demo / "meltano.yml").read_text().splitlines()
    assert lines[0] == "default_environment: dev"
    assert uuid.UUID(lines[1].removeprefix("project_id: ")).version == 7
    assert lines[2:] == ["environments:", "- name: dev", "- name: staging", "- name: prod"]
    assert (demo / ".gitignore").read_text() == "/venv\n/.meltano\n.env\n"
    assert (demo / "output" / ".gitignore").read_text() == "*\n!.gitignore\n"
    assert (
        (demo / ".meltano" / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
    )
    analytics = json.loads((demo / ".meltano" / "analytics.json").read_text())
    assert analytics["project_id"] == lines[1].removeprefix("project_id: ")
    assert analytics["send_anonymous_usage_stats"] is True
    with sqlite3.connect(demo / ".meltano" / "meltano.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        journal = db.execute("PRAGMA journal_mode").fetchone()[0]
    assert {"alembic_version", "runs", "plugin_settings", "state"} <= tables
    assert revision == "c0efb3c314eb"
    assert journal == "wal"


def test_no_usage_stats(tmp_path: Path) -> None:
    assert run("init", "demo", "--no-usage-stats").exit_code == 0
    text = (tmp_path / "demo" / "meltano.yml").read_text()
    assert text.endswith("send_anonymous_usage_stats: false\n")


def test_usage_stats_setting_false(tmp_path: Path) -> None:
    run("init", "demo", env={"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"})
    assert "send_anonymous_usage_stats: false" in (tmp_path / "demo" / "meltano.yml").read_text()


def test_refuses_existing_project_and_keeps_it(tmp_path: Path) -> None:
    run("init", "demo")
    meltanofile = tmp_path / "demo" / "meltano.yml"
    meltanofile.write_text(meltanofile.read_text() + "# mine\n")
    before = meltanofile.read_text()
    result = run("init", "demo")
    assert result.exit_code == ExitCode.FAILED
    assert "already exists" in result.stderr
    assert "--force" in result.stderr
    assert "Traceback" not in result.output
    assert meltanofile.read_text() == before


def test_force_overwrites_but_keeps_other_files(tmp_path: Path) -> None:
    run("init", "demo")
    (tmp_path / "demo" / "README.md").write_text("my readme")
    result = run("init", "demo", "--force")
    assert result.exit_code == 0
    assert "README.md (skipped: already exists)" in result.stdout
    assert (tmp_path / "demo" / "README.md").read_text() == "my readme"


def test_existing_directory_without_project_is_fine(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    assert run("init", "demo").exit_code == 0


def test_prompts_for_a_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init"], input="prompted\n")
    assert result.exit_code == 0
    assert (tmp_path / "prompted" / "meltano.yml").exists()


def test_sys_dir_root_relocates(tmp_path: Path) -> None:
    result = run("init", "demo", env={"MELTANO_SYS_DIR_ROOT": str(tmp_path / "sys")})
    assert result.exit_code == 0
    assert (tmp_path / "sys" / "meltano.db").exists()
    assert not (tmp_path / "demo" / ".meltano").exists()


def test_sys_dir_files_are_recreated(tmp_path: Path) -> None:
    run("init", "demo")
    sys_dir = tmp_path / "demo" / ".meltano"
    (sys_dir / ".gitignore").unlink()
    (sys_dir / "CACHEDIR.TAG").unlink()
    assert run("--cwd", "demo", "environment", "list").exit_code == 0
    assert (sys_dir / ".gitignore").read_text() == "*\n"
    assert (sys_dir / "CACHEDIR.TAG").exists()
