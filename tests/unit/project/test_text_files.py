from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.project.text_files import decode_text, read_text_file


def test_utf8_text_is_returned_as_is() -> None:
    assert decode_text("café\n".encode(), Path("f")) == "café\n"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"ok\nsecret=\xff\xfe", "byte 0xff at byte offset 10 (line 2)"),
        (b"\xe9", "byte 0xe9 at byte offset 0 (line 1)"),
        (b"a\nb\nc\x00", "a NUL byte at byte offset 5 (line 3)"),
    ],
)
def test_bad_bytes_are_located_and_never_shown(data: bytes, where: str) -> None:
    with pytest.raises(MeltanoError) as raised:
        decode_text(data, Path(".env"), what="dotenv file")
    assert raised.value.reason.startswith("The dotenv file .env is ")
    assert where in raised.value.reason
    assert "secret" not in raised.value.reason


def test_an_unreadable_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(MeltanoError, match=r"Cannot read the state file .*: Is a directory"):
        read_text_file(tmp_path, what="state file")
