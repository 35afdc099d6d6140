from __future__ import annotations

from pathlib import Path

from dotenv import dotenv_values

from meltano.core.settings.dotenv import update


def test_new_file_is_private_and_single_quoted(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    update(path, {"TAP_X_PASSWORD": "s3cret"})
    assert path.read_text() == "TAP_X_PASSWORD='s3cret'\n"
    assert path.stat().st_mode & 0o777 == 0o600


def test_other_lines_and_comments_are_kept(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# comment\nOTHER=1\nTAP_X_PORT=5\n\nexport LAST='z'")
    update(path, {"TAP_X_PORT": "6", "NEW": "n"})
    assert path.read_text() == "# comment\nOTHER=1\nTAP_X_PORT='6'\n\nexport LAST='z'\nNEW='n'\n"


def test_remove_deletes_only_named_keys_and_reports_them(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\nB='multi\nline'\nC=3\n")
    assert update(path, {}, ["B", "MISSING"]) == ["B"]
    assert path.read_text() == "A=1\nC=3\n"


def test_quotes_and_backslashes_round_trip(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    tricky = "it's a \\ test $HOME"
    update(path, {"V": tricky})
    assert dotenv_values(path, interpolate=False)["V"] == tricky


def test_mode_of_an_existing_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    path.chmod(0o640)
    update(path, {"A": "2"})
    assert path.stat().st_mode & 0o777 == 0o640


def test_undecodable_file_is_a_clear_error_without_content(tmp_path: Path) -> None:
    import pytest

    from meltano.core.errors import MeltanoError

    path = tmp_path / ".env"
    path.write_bytes(b"SECRET=\xff\xfe\n")
    with pytest.raises(MeltanoError, match="not UTF-8") as caught:
        update(path, {"A": "1"})
    assert "SECRET" not in caught.value.reason
    assert path.read_bytes() == b"SECRET=\xff\xfe\n"
