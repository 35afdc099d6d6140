"""Private run directories and files: plugin config files hold secrets."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from meltano.core.errors import cannot_write, is_storage_error


def secure_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it private to the user."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def write_private(path: Path, text: str) -> Path:
    """Write a file only its owner can read (it may hold secrets)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        if not is_storage_error(error):
            raise
        with contextlib.suppress(OSError):
            path.unlink()  # no half-written config
        raise cannot_write(path, error) from error
    return path
