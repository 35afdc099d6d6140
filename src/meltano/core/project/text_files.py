"""Read a user's text file (`.env`, a state document): UTF-8 text, or an error that says where.

A file that is not UTF-8, or that holds a NUL byte (no environment variable and no JSON text
can carry one), is refused with the offset of the first bad byte, never its neighbours: the
file may hold secrets.
"""

from __future__ import annotations

from pathlib import Path

from meltano.core.errors import MeltanoError


def read_text_file(path: Path, *, what: str = "file") -> str:
    """The text of `path`; a `MeltanoError` naming the file and offset when it is not text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MeltanoError(
            f"Cannot read the {what} {path}: {error.strerror or error}",
            "Check that the path exists and is a readable file",
        ) from error
    return decode_text(data, path, what=what)


def decode_text(data: bytes, path: Path, *, what: str = "file") -> str:
    """`data` as UTF-8 text; refused (naming `path` and the offset) if binary or not UTF-8."""
    nul = data.find(b"\0")
    if nul >= 0:
        raise MeltanoError(
            f"The {what} {path} is a binary file, not text: a NUL byte at byte offset {nul} "
            f"(line {_line(data, nul)})",
            "Give a text file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MeltanoError(
            f"The {what} {path} is not UTF-8 text: byte 0x{data[error.start]:02x} at byte "
            f"offset {error.start} (line {_line(data, error.start)}) is not valid UTF-8",
            "Save the file as UTF-8",
        ) from None


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
