"""Packages from the index (or tests/fixtures/packages) installed once per machine for tests.

`beside_meltano` installs add-ons into a directory that goes on the path of the test's own
interpreter (PYTHONPATH for subprocesses), so they see this checkout's meltano: `meltano` is
excluded from resolution and every package the project environment already has is pinned to
its version there. `tool_venv` builds a separate virtualenv (dagster for the orchestration
test). Both live in the user's cache (`~/.cache/meltano-tests`), keyed by a hash of what they
are built from, and are built in a temporary directory that is renamed into place, so a
second test run, or a concurrent one, reuses or waits for nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_PACKAGES = ROOT / "tests" / "fixtures" / "packages"

# Read before the autouse fixture points XDG_CACHE_HOME at a temporary directory: installs
# should hit uv's real cache (where `uv sync` left the project's wheels), not a cold one.
_XDG_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
UV_CACHE = Path(os.environ.get("UV_CACHE_DIR") or _XDG_CACHE / "uv")
CACHE = _XDG_CACHE / "meltano-tests"


def _uv(*args: str, timeout: float = 900) -> None:
    import uv

    env = {**os.environ, "UV_CACHE_DIR": str(UV_CACHE), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [uv.find_uv_bin(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"uv {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def _project_pins() -> str:
    """`name==version` of every package in the project environment except meltano itself."""
    import uv

    frozen = subprocess.run(
        [uv.find_uv_bin(), "pip", "freeze", "--python", sys.executable],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return "".join(
        f"{line}\n"
        for line in frozen.splitlines()
        if "==" in line and not line.lower().startswith("meltano==")
    )


def _tree_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _built(name: str, key: str, build: Callable[[Path], None]) -> Path:
    target = CACHE / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=CACHE))
    try:
        build(scratch / "built")
        try:
            (scratch / "built").rename(target)
        except OSError:  # another run finished first: use its copy
            if not target.exists():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def fixture_package(name: str) -> Path:
    """A package under tests/fixtures/packages, as a requirement."""
    return FIXTURE_PACKAGES / name


def beside_meltano(name: str, requirements: Sequence[str | Path]) -> Path:
    """A directory holding `requirements` and their dependencies, meltano excluded."""
    pins = _project_pins()
    parts = [sys.version, pins]
    for requirement in requirements:
        path = Path(requirement)
        parts.append(_tree_hash(path) if path.is_dir() else str(requirement))

    def build(directory: Path) -> None:
        scratch = directory.parent
        (scratch / "pins.txt").write_text(pins)
        (scratch / "excluded.txt").write_text("meltano\n")
        _uv(
            "pip",
            "install",
            "--python",
            sys.executable,
            "--target",
            str(directory),
            "--constraints",
            str(scratch / "pins.txt"),
            "--excludes",
            str(scratch / "excluded.txt"),
            *map(str, requirements),
        )

    return _built(name, "\n".join(parts), build)


def tool_venv(name: str, requirements: Sequence[str], *, python: str = sys.executable) -> Path:
    """A virtualenv with `requirements` (nothing of this checkout in it)."""

    def build(directory: Path) -> None:
        # relocatable: it is built under a temporary name and renamed into place
        _uv("venv", "--no-project", "--relocatable", "--python", python, str(directory))
        _uv("pip", "install", "--python", str(directory / "bin" / "python"), *requirements)

    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return _built(name, "\n".join([version, *requirements]), build)
