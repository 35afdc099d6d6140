"""Edit a `.env` file in place: change or drop some keys, keep every other line as it was."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from meltano.core.project import document
from meltano.core.project.text_files import read_text_file

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$")


def quote(value: str) -> str:
    """Single-quoted, with `\\` and `'` escaped the way dotenv readers undo it."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _statements(text: str) -> list[tuple[str | None, list[str]]]:
    """Split into (key or None, lines); a quoted value may continue over several lines."""
    lines = text.splitlines(keepends=True)
    result: list[tuple[str | None, list[str]]] = []
    index = 0
    while index < len(lines):
        match = _ASSIGNMENT.match(lines[index].rstrip("\n"))
        chunk = [lines[index]]
        index += 1
        if match:
            value = match.group(2)
            if value[:1] in ("'", '"') and not _closes(value[1:], value[0]):
                while index < len(lines):
                    chunk.append(lines[index])
                    index += 1
                    if _closes(chunk[-1].rstrip("\n"), value[0]):
                        break
        result.append((match.group(1) if match else None, chunk))
    return result


def _closes(rest: str, quote_char: str) -> bool:
    escaped = False
    for char in rest:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == quote_char:
            return True
    return False


def update(path: Path, values: Mapping[str, str], remove: Iterable[str] = ()) -> list[str]:
    """Set `values`, delete the keys in `remove`; return the keys actually deleted.

    The first line of a key being set is replaced in place and its other lines dropped;
    new keys are appended. A new file is created readable by its owner only (0600).
    """
    text = read_text_file(path, what="dotenv file") if path.exists() else ""
    pending = dict(values)
    dropped = set(remove) - set(values)
    removed: list[str] = []
    out: list[str] = []
    for key, chunk in _statements(text):
        if key is not None and key in values:
            if key in pending:
                out.append(f"{key}={quote(pending.pop(key))}\n")
            continue
        if key is not None and key in dropped:
            removed.append(key)
            continue
        out.extend(chunk)
    if out and not out[-1].endswith("\n") and pending:
        out[-1] += "\n"
    out.extend(f"{key}={quote(value)}\n" for key, value in pending.items())
    new_text = "".join(out)
    if new_text != text:
        document.write_atomically(path, new_text, new_mode=0o600)
    return list(dict.fromkeys(removed))
