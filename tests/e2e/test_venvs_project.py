"""A project's plugins planned and installed for real: shared venvs, `$VAR` pip_url, offline."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from meltano.core.plugins.project_plugin import project_plugins
from meltano.core.project.project import Project
from meltano.core.venvs.install import InstallStatus, install_plugins
from meltano.core.venvs.plan import plan_installs

PACKAGES = Path(__file__).parents[1] / "fixtures" / "packages"
PROJECT = """\
plugins:
  utilities:
  - name: hello
    namespace: hello
    pip_url: ${PACKAGES}/hello-plugin
    executable: hello-plugin
  - name: hello-again
    inherit_from: hello
"""


def test_install_a_project_twice(
    project_dir: Path, write_meltano_yml: Callable[[str], Path]
) -> None:
    write_meltano_yml(PROJECT)
    (project_dir / ".env").write_text(f"PACKAGES={PACKAGES}\n")
    project = Project(project_dir, environ={**os.environ, "UV_OFFLINE": "1"})
    plugins = project_plugins(project, definitions=lambda *_: None)

    planned = plan_installs(project, plugins)
    requests = [p.request for p in planned if p.request is not None]
    assert [p.skip_reason for p in planned] == [
        None,
        "Plugin 'hello-again' does not require installation: reusing parent virtualenv",
    ]
    results = asyncio.run(install_plugins(requests, parallelism=2))
    assert [r.status for r in results] == [InstallStatus.INSTALLED], results[0].reason
    executable = project_dir / ".meltano" / "utilities" / "hello" / "venv" / "bin" / "hello-plugin"
    output = subprocess.run(
        [str(executable)], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert output.strip() == "hello from hello-plugin"

    again = plan_installs(project, plugins, auto=True)
    results = asyncio.run(install_plugins([p.request for p in again if p.request is not None]))
    assert [r.status for r in results] == [InstallStatus.SKIPPED]
