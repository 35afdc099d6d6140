from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from meltano.core.project import document

TEXT = """# leading comment
default_environment: dev  # trailing comment
plugins:
  extractors:
  - name: tap-x
    select: [a.b, c.d]
    config:
      quoted: 'single'
      long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbb
"""


def test_round_trip_is_byte_identical() -> None:
    data = document.parse(TEXT, Path("m.yml"))
    assert document.dump(data) == TEXT


def test_added_key_keeps_comments_and_flow_style() -> None:
    data = document.parse(TEXT, Path("m.yml"))
    data["plugins"]["extractors"][0]["config"]["k"] = "v"
    out = document.dump(data)
    assert "# leading comment" in out
    assert "# trailing comment" in out
    assert "select: [a.b, c.d]" in out
    assert "quoted: 'single'" in out
    assert out.endswith("      k: v\n")


def test_write_atomically_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "meltano.yml"
    path.write_text("a: 1\n")
    path.chmod(0o640)
    document.write_atomically(path, "a: 2\n")
    assert path.read_text() == "a: 2\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_failed_write_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "meltano.yml"
    path.write_text("a: 1\n")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        document.write_atomically(path, "a: 2\n")
    assert path.read_text() == "a: 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["meltano.yml"]


def test_user_yaml_indent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "meltano" / "config.yml"
    config.parent.mkdir()
    config.write_text("yaml:\n  indent: 4\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    style = document.user_yaml_style()
    assert style.indent == 4
    assert document.dump(document.parse("a:\n  b: 1\n", Path("x")), style) == "a:\n    b: 1\n"
    monkeypatch.setenv("MELTANO_DISABLE_USER_YAML_CONFIG", "true")
    assert document.user_yaml_style().indent == 2
