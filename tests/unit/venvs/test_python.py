"""Which interpreter a venv is built with."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from meltano.core.venvs.python import PythonNotFoundError, choose_python, resolve_python


def test_plugin_python_wins_then_project_then_python_version_file(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12.1\n3.11\n")
    assert choose_python(plugin_python="p", project_python="q", project_root=tmp_path) == "p"
    assert choose_python(plugin_python=None, project_python="q", project_root=tmp_path) == "q"
    assert choose_python(plugin_python=None, project_python=None, project_root=tmp_path) == "3.12.1"


def test_no_configured_python_means_meltanos_interpreter(tmp_path: Path) -> None:
    assert choose_python(plugin_python=None, project_python=None, project_root=tmp_path) is None
    assert resolve_python(None) == sys.executable


def test_a_name_is_looked_up_on_path(tmp_path: Path) -> None:
    fake = tmp_path / "python3.99"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert resolve_python("python3.99", environ={"PATH": str(tmp_path)}) == str(fake)
    with pytest.raises(PythonNotFoundError, match=r"'python3\.98' was not found on PATH"):
        resolve_python("python3.98", environ={"PATH": str(tmp_path)})


def test_a_path_must_exist(tmp_path: Path) -> None:
    assert resolve_python(sys.executable) == sys.executable
    with pytest.raises(PythonNotFoundError, match="at that path"):
        resolve_python(str(tmp_path / "nope" / "python"))


def test_a_version_is_left_to_the_backend() -> None:
    assert resolve_python("3.12", environ={"PATH": os.devnull}) == "3.12"
