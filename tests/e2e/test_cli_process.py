"""The installed console script, run as users run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def meltano(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meltano", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_init_then_commands(tmp_path: Path) -> None:
    created = meltano("init", "demo", "--no-usage-stats", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "Your project has been created!" in created.stdout
    listed = meltano("environment", "list", cwd=tmp_path / "demo" / "extract")
    assert listed.stdout == "dev\nstaging\nprod\n"
    assert "Meltano 4.4.1, Python" in listed.stderr


def test_console_script_links_run_bin(tmp_path: Path) -> None:
    script = shutil.which("meltano", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("console script not installed next to this interpreter")
    result = subprocess.run(
        [script, "init", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    link = tmp_path / "demo" / ".meltano" / "run" / "bin"
    assert link.is_symlink()
    assert link.resolve() == Path(script).resolve()


def test_killed_mid_edit_leaves_meltano_yml_intact(tmp_path: Path) -> None:
    assert meltano("init", "demo", cwd=tmp_path).returncode == 0
    project = tmp_path / "demo"
    before = (project / "meltano.yml").read_text()
    # A child that edits meltano.yml and dies from SIGKILL between writing the temp file and
    # replacing the original: the original must be untouched.
    code = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from meltano.core.project import document\n"
        "def die(src, dst):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "Path.replace = lambda self, target: die(self, target)\n"
        "document.write_atomically(Path('meltano.yml'), 'broken: [\\n')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=project, timeout=60, check=False)
    assert result.returncode == -9
    assert (project / "meltano.yml").read_text() == before
