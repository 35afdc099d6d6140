"""Developer sessions: `uv run nox -s tests lint typing bench`.

Sessions run inside the project environment that `uv sync` made (no per-session venvs), so
they are fast and use exactly the locked dependencies.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "typing", "tests"]


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, CLI, end-to-end); extra arguments go to pytest."""
    session.run("pytest", *(session.posargs or ["-q"]))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.run("ruff", "check", "src", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "noxfile.py")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict on src/."""
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: cold start and pipeline CPU against a bare pipe and Meltano 4.4.1."""
    session.run("python", "bench/run.py", *session.posargs)
