"""Plugin virtual environments: create them, install `pip_url` into them, know when to redo it.

The names below are loaded on first use (PEP 562), so that code needing only a venv's path
(every plugin invocation) does not import the installer.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "InstallError": "install",
    "InstallRequest": "install",
    "InstallResult": "install",
    "InstallStatus": "install",
    "install_plugin": "install",
    "install_plugins": "install",
    "PlannedInstall": "plan",
    "plan_installs": "plan",
    "plugin_dir_name": "paths",
    "fingerprint": "fingerprint",
    "pip_args": "fingerprint",
    "requires_install": "fingerprint",
    "install_log_file": "paths",
    "venv_dir": "paths",
    "venv_executable": "paths",
    "choose_python": "python",
    "resolve_python": "python",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
