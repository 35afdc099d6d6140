"""Remember project files that parsed and validated, as plain JSON, keyed by their text.

Parsing YAML with ruamel (pure Python) and importing it cost more than the rest of a
`meltano run`'s start-up; most commands only read `meltano.yml`, which rarely changes. One
cache entry per file path holds the hash of the schema and the text it came from, and the
plain data; any change to either makes it a miss. Edits never use it: they parse round trip.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).with_name("meltano.schema.json")


def cache_dir() -> Path:
    """Our directory in the user's cache (`XDG_CACHE_HOME`, else `~/.cache`)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "meltano"


@functools.cache
def _schema_digest() -> bytes:
    return hashlib.sha256(SCHEMA.read_bytes()).digest()


def _key(text: str) -> str:
    return hashlib.sha256(_schema_digest() + b"\0" + text.encode()).hexdigest()


def _entry_path(path: Path) -> Path:
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]
    return cache_dir() / "parsed" / f"{name}.json"


def load(path: Path, text: str) -> dict[str, Any] | None:
    """The plain data of `text` if this exact text was parsed and validated before."""
    try:
        entry = json.loads(_entry_path(path).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != _key(text):
        return None
    data = entry.get("data")
    return data if isinstance(data, dict) else None


def store(path: Path, text: str, data: dict[str, Any]) -> None:
    """Remember validated plain data; values JSON cannot carry (dates) are never cached."""
    try:
        encoded = json.dumps({"key": _key(text), "data": data})
    except (TypeError, ValueError):
        return
    if json.loads(encoded)["data"] != data:  # e.g. integer keys would come back as text
        return
    target = _entry_path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):  # a cache we cannot write is only slower
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # private: project files may hold secrets; replaced whole, so never read torn
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(encoded)
        temporary.replace(target)
