"""Venv backends: the commands that create a venv and install packages into it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import uv

from meltano.core.errors import MeltanoError
from meltano.core.venvs.fingerprint import venv_python


@dataclass(frozen=True)
class Step:
    """One installer command and what it is for (named in logs and errors)."""

    purpose: str
    argv: tuple[str, ...]
    optional: bool = False  # a failure is logged, and the install goes on


class Backend(Protocol):
    """Builds the commands for one kind of installer."""

    name: str

    def create(self, venv_dir: Path, python: str) -> list[Step]:
        """Commands that (re)create an empty venv at `venv_dir`."""
        ...

    def install(
        self, venv_dir: Path, args: Sequence[str], *, force: bool, log_file: Path | None
    ) -> list[Step]:
        """Commands that install `args` into an existing venv."""
        ...

    def can_reuse(self, venv_dir: Path) -> bool:
        """Whether an existing venv can take an upgrade in place with this backend."""
        ...


def uv_binary() -> str:
    """The `uv` executable shipped with the `uv` package (a dependency of Meltano)."""

    return uv.find_uv_bin()


class UvBackend:
    """`uv venv` + `uv pip install` (the default). uv cannot ignore `Requires-Python`."""

    name = "uv"

    def create(self, venv_dir: Path, python: str) -> list[Step]:
        return [
            Step(
                "create the virtual environment",
                (
                    uv_binary(),
                    "venv",
                    "--clear",
                    "--no-project",
                    "--no-progress",
                    f"--python={python}",
                    str(venv_dir),
                ),
            )
        ]

    def install(
        self, venv_dir: Path, args: Sequence[str], *, force: bool, log_file: Path | None
    ) -> list[Step]:
        return [
            Step(
                "install the package",
                (
                    uv_binary(),
                    "pip",
                    "install",
                    "--no-progress",
                    f"--python={venv_python(venv_dir)}",
                    *args,
                ),
            )
        ]

    def can_reuse(self, venv_dir: Path) -> bool:
        return venv_python(venv_dir).exists()


class VirtualenvBackend:
    """`virtualenv` + pip, writing pip's own log file."""

    name = "virtualenv"

    def create(self, venv_dir: Path, python: str) -> list[Step]:
        return [
            Step(
                "create the virtual environment",
                (
                    sys.executable,
                    "-m",
                    "virtualenv",
                    "--clear",
                    f"--python={python}",
                    str(venv_dir),
                ),
            ),
            # Without network access the bundled pip is kept; that is not worth failing.
            Step(
                "upgrade pip",
                (str(venv_python(venv_dir)), "-m", "pip", "install", "--upgrade", "pip"),
                optional=True,
            ),
        ]

    def install(
        self, venv_dir: Path, args: Sequence[str], *, force: bool, log_file: Path | None
    ) -> list[Step]:
        options = ["--log", str(log_file)] if log_file is not None else []
        if force:
            options.append("--ignore-requires-python")
        return [
            Step(
                "install the package",
                (str(venv_python(venv_dir)), "-m", "pip", "install", *options, *args),
            )
        ]

    def can_reuse(self, venv_dir: Path) -> bool:
        # A venv made by uv has no pip: it must be recreated before pip can install into it.
        return venv_python(venv_dir).exists() and (venv_dir / "bin" / "pip").exists()


BACKENDS: dict[str, type[UvBackend] | type[VirtualenvBackend]] = {
    "uv": UvBackend,
    "virtualenv": VirtualenvBackend,
}


def backend_named(name: str) -> Backend:
    """The backend for a `venv.backend` value; unknown names list the known ones."""
    try:
        return BACKENDS[name]()
    except KeyError:
        raise MeltanoError(
            f"Unknown venv backend {name!r}", f"Set `venv.backend` to one of: {', '.join(BACKENDS)}"
        ) from None
