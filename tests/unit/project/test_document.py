from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError, ProjectFileError
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
    kept = r"meltano.yml: No space left on device \(the file was left as it was\)"
    with pytest.raises(MeltanoError, match=kept):
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


def alias_bomb(levels: int, width: int = 9) -> str:
    """`x0: &a0 [lol, ...]`, then each level a list of `width` aliases of the one below."""
    lines = ["  x0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"  x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "version: 1\nunused:\n" + "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_at_the_first_list_past_the_limit() -> None:
    with pytest.raises(ProjectFileError) as raised:
        document.parse(alias_bomb(9), Path("m.yml"))
    # x5 (line 8, its anchor at column 7) is the first level over 100,000 values: 597,871.
    assert raised.value.reason.startswith("m.yml:8:7: aliases here expand to 597,871 values")


def test_anchors_used_a_few_times_are_fine() -> None:
    data = document.parse(alias_bomb(4), Path("m.yml"))  # 66,430 values: under the limit
    assert len(data["unused"]["x4"]) == 9
    merge = "base: &base {a: 1, b: 2}\none: {<<: *base, c: 3}\ntwo: *base\n"
    assert document.parse(merge, Path("m.yml"))["one"] == {"a": 1, "b": 2, "c": 3}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("deep: " + "[" * 5000 + "]" * 5000 + "\n", "m.yml:1:107:"),
        ("deep: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", "m.yml:1:407:"),
        ("deep:\n" + "".join(" " * depth + "k:\n" for depth in range(1, 5001)), "m.yml:100:100:"),
    ],
    ids=["flow-list", "flow-map", "block"],
)
def test_deep_nesting_is_an_error_with_a_position(text: str, where: str) -> None:
    with pytest.raises(ProjectFileError) as raised:
        document.parse(text, Path("m.yml"))
    assert raised.value.reason.startswith(where)
    assert "nested more than 100 levels" in raised.value.reason


def test_brackets_in_quotes_comments_and_plain_text_do_not_count_as_nesting() -> None:
    many = "[" * 150
    text = (
        f"a: '{many} it''s'\n"
        f'b: "{many} \\" still quoted"\n'
        f"c: plain {many}\n"
        f"# {many}\n"
        f"d: [x, '{many}', {{k: v}}]  # {many}\n"
        f"e: it's {many}\n"
    )
    data = document.parse(text, Path("m.yml"))
    assert data["c"] == f"plain {many}"
    assert data["d"][1] == many
    deep = document.parse("v: " + "[" * 95 + "]" * 95 + "\n", Path("m.yml"))
    assert isinstance(deep["v"], list)
