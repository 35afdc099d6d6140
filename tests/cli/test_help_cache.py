"""`meltano --help` from the cache prints exactly what click prints, without importing click."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
from meltano.cli.main import main
main({args!r})
print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)), file=sys.stderr)
"""
CLICK_ITSELF = """
from meltano.cli.root import cli
cli.main(args=["--help"], prog_name="meltano")
"""


def python(code: str, cache: Path, columns: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "COLUMNS": columns}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
        check=False,
    )  # fmt: skip


@pytest.mark.parametrize("columns", ["80", "60", "200"])
def test_cached_help_is_clicks_help(tmp_path: Path, columns: str) -> None:
    from_click = python(CLICK_ITSELF, tmp_path / "unused", columns)
    assert from_click.returncode == 0, from_click.stderr
    first = python(PROBE.format(args=["--help"]), tmp_path, columns)
    second = python(PROBE.format(args=["-h"]), tmp_path, columns)
    assert first.stdout == second.stdout == from_click.stdout
    assert "click" in json.loads(first.stderr.splitlines()[-1])  # rendered once by click
    assert "click" not in json.loads(second.stderr.splitlines()[-1])  # then from the file
    (cached,) = (tmp_path / "meltano" / "help").iterdir()
    assert f"-{columns}-" in cached.name


def test_each_width_has_its_own_text(tmp_path: Path) -> None:
    narrow = python(PROBE.format(args=["--help"]), tmp_path, "60").stdout
    wide = python(PROBE.format(args=["--help"]), tmp_path, "100").stdout
    assert narrow != wide
    assert python(PROBE.format(args=["--help"]), tmp_path, "60").stdout == narrow
    assert len(list((tmp_path / "meltano" / "help").iterdir())) == 2


def test_an_unwritable_cache_still_prints_help(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = python(PROBE.format(args=["--help"]), blocker, "80")
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: meltano [OPTIONS] [COMMAND] [ARGS]...")


def test_texts_of_other_versions_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "meltano" / "help" / "0.1.0-80-00000000.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("Usage: an old meltano\n")
    python(PROBE.format(args=["--help"]), tmp_path, "60")
    python(PROBE.format(args=["--help"]), tmp_path, "100")
    names = sorted(path.name for path in stale.parent.iterdir())
    assert len(names) == 2  # both widths of this version; the old text is gone
    assert stale.name not in names
