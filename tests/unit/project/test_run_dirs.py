from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.project.run_dirs import private_run_dir, remove_dead_run_dirs


def test_a_live_run_directory_is_private_and_kept(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    with private_run_dir(runs, "run-1") as path:
        (path / "config.json").write_text("{}")
        assert path == runs / "run-1"
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
        assert remove_dead_run_dirs(runs) == []  # its lock is held (by another open file)
        assert (path / "config.json").exists()
    assert list(runs.iterdir()) == []  # removed when the block ends


def test_directories_nobody_holds_are_removed(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "killed" / "tap-x").mkdir(parents=True)
    (runs / "killed" / "tap-x" / "config.json").write_text('{"password": "x"}')
    (runs / "a-file").write_text("not a run directory")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (runs / "link").symlink_to(elsewhere)
    assert remove_dead_run_dirs(runs) == [runs / "killed"]
    assert sorted(p.name for p in runs.iterdir()) == ["a-file", "link"]
    assert elsewhere.exists()


def test_a_young_pending_directory_is_left_to_its_maker(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    young, old = runs / ".new-young", runs / ".new-old"
    young.mkdir(parents=True)
    old.mkdir()
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert remove_dead_run_dirs(runs) == [old]
    assert young.exists()


def test_a_run_id_in_use_is_refused(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "taken").mkdir(parents=True)
    (runs / "taken" / "file").write_text("x")
    with (
        pytest.raises(MeltanoError, match="Cannot create the run directory"),
        private_run_dir(runs, "taken"),
    ):
        pass
    assert [p.name for p in runs.iterdir()] == ["taken"]


def test_a_missing_runs_directory_is_nothing_to_do(tmp_path: Path) -> None:
    assert remove_dead_run_dirs(tmp_path / "absent") == []
