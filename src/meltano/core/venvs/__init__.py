"""Plugin virtual environments: create them, install `pip_url` into them, know when to redo it."""

from __future__ import annotations

from meltano.core.venvs.fingerprint import fingerprint, pip_args, requires_install
from meltano.core.venvs.install import (
    InstallError,
    InstallRequest,
    InstallResult,
    InstallStatus,
    install_plugin,
    install_plugins,
)
from meltano.core.venvs.paths import install_log_file, venv_dir, venv_executable
from meltano.core.venvs.plan import PlannedInstall, plan_installs, plugin_dir_name
from meltano.core.venvs.python import choose_python, resolve_python

__all__ = [
    "InstallError",
    "InstallRequest",
    "InstallResult",
    "InstallStatus",
    "PlannedInstall",
    "choose_python",
    "fingerprint",
    "install_log_file",
    "install_plugin",
    "install_plugins",
    "pip_args",
    "plan_installs",
    "plugin_dir_name",
    "requires_install",
    "resolve_python",
    "venv_dir",
    "venv_executable",
]
