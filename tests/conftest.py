"""Shared fixtures: an isolated environment, temporary projects, and a CliRunner wrapper."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from meltano.core.db.connect import create_database
from meltano.core.project.init import init_project

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def isolated_environ(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """No MELTANO_* variable or user config from the developer's machine leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("MELTANO_", "TAP_", "TARGET_")) or name in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(name)
    # No test may send usage statistics to Meltano's real collector; the telemetry tests
    # point a project at a local collector and unset this themselves.
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    yield


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A fresh project made by `meltano init` (no usage stats)."""
    directory = tmp_path / "project"
    result = init_project(directory, usage_stats=False, force=False, environ=dict(os.environ))
    create_database(result.project)
    return directory


@pytest.fixture
def invoke(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `meltano ARGS...` through CliRunner inside `project_dir`."""
    from meltano.cli.root import cli

    monkeypatch.chdir(project_dir)

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return run


@pytest.fixture
def write_meltano_yml(project_dir: Path) -> Callable[[str], Path]:
    """Replace the project's meltano.yml with the given text."""

    def write(text: str) -> Path:
        path = project_dir / "meltano.yml"
        path.write_text(text)
        return path

    return write
