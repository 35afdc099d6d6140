"""Which interpreter a plugin's venv is built with."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from meltano.core.errors import MeltanoError

_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")


class PythonNotFoundError(MeltanoError):
    """The configured `python` names no interpreter that exists."""

    def __init__(self, spec: str, where: str) -> None:
        super().__init__(
            f"Python interpreter {spec!r} was not found {where}",
            "Set `python` to a path, an executable on PATH (like python3.12) or a "
            "version (like 3.12), or remove it to use Meltano's own interpreter",
        )


def choose_python(
    *, plugin_python: str | None, project_python: str | None, project_root: Path
) -> str | None:
    """The configured interpreter: plugin `python`, project `python`, then `.python-version`.

    None means "the interpreter running Meltano" (and leaves the fingerprint without a python
    part).
    """
    for candidate in (plugin_python, project_python):
        if candidate:
            return candidate
    try:
        lines = (project_root / ".python-version").read_text().splitlines()
    except OSError:
        return None
    first = lines[0].strip() if lines else ""
    return first or None


def resolve_python(spec: str | None, *, environ: Mapping[str, str] | None = None) -> str:
    """What to hand the backend's `--python`: an existing path, an executable found on PATH,
    or a bare version (the backend finds that itself). None gives Meltano's interpreter."""
    if spec is None:
        return sys.executable
    if os.sep in spec or spec.startswith("~"):
        path = Path(spec).expanduser()
        if not path.exists():
            raise PythonNotFoundError(spec, "at that path")
        return str(path)
    if _VERSION.match(spec):
        return spec
    search_path = (environ or os.environ).get("PATH")
    found = shutil.which(spec, path=search_path)
    if found is None:
        raise PythonNotFoundError(spec, "on PATH")
    return found
