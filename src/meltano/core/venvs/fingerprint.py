"""The install fingerprint: what was installed into a venv, so unchanged plugins are skipped."""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Sequence
from pathlib import Path

from meltano.core.errors import MeltanoError

FINGERPRINT_FILE = ".meltano_plugin_fingerprint"


def pip_args(pip_url: str) -> list[str]:
    """The installer arguments of a `pip_url` (already `$VAR`-expanded): a shell-style split."""
    try:
        return shlex.split(pip_url)
    except ValueError as error:
        raise MeltanoError(
            f"pip_url {pip_url!r} cannot be split into arguments: {error}", "Check its quotes"
        ) from error


def fingerprint(args: Sequence[str], python: str | None = None) -> str:
    """Hex SHA-256 of the sorted, de-duplicated arguments, plus the chosen interpreter if any.

    The same text 4.4.1 hashes, so venvs built by either tool are recognised by the other.
    """
    text = " ".join(sorted(set(args)))
    if python is not None:
        text += f" python:{python}"
    return hashlib.sha256(text.encode()).hexdigest()


def venv_python(venv_dir: Path) -> Path:
    """The interpreter inside a venv."""
    return venv_dir / "bin" / "python"


def read_fingerprint(venv_dir: Path) -> str | None:
    """The fingerprint stored in a venv, or None."""
    try:
        return (venv_dir / FINGERPRINT_FILE).read_text().strip()
    except OSError:
        return None


def write_fingerprint(venv_dir: Path, value: str) -> None:
    (venv_dir / FINGERPRINT_FILE).write_text(value)


def clear_fingerprint(venv_dir: Path) -> None:
    """Forget what was installed, so an interrupted install is redone next time."""
    (venv_dir / FINGERPRINT_FILE).unlink(missing_ok=True)


def requires_install(venv_dir: Path, expected: str) -> bool:
    """True when the venv has no interpreter, no fingerprint, or a different one."""
    if not venv_python(venv_dir).exists():
        return True
    return read_fingerprint(venv_dir) != expected
