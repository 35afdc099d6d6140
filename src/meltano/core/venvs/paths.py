"""Where a plugin's venv, executable and pip log live under the project's system directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from meltano.core.errors import MeltanoError

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin


def _safe(part: str, what: str) -> str:
    if not part or part in (".", "..") or "/" in part or "\\" in part or "\0" in part:
        raise MeltanoError(
            f"{what} {part!r} cannot be used as a directory name",
            "Plugin names must not be empty, `.`/`..`, or contain path separators",
        )
    return part


def venv_dir(sys_dir: Path, plugin_type: str, plugin_dir_name: str) -> Path:
    """`<sys dir>/<type>/<dir name>/venv`; inheriting plugins may share their parent's."""
    return (
        sys_dir / _safe(plugin_type, "Plugin type") / _safe(plugin_dir_name, "Plugin name") / "venv"
    )


def venv_executable(venv: Path, executable: str) -> Path:
    """The console script `executable` inside a venv."""
    return venv / "bin" / executable


def install_log_file(sys_dir: Path, plugin_type: str, name: str) -> Path:
    """pip's log of the last install with the virtualenv backend."""
    return (
        sys_dir
        / "logs"
        / "pip"
        / _safe(plugin_type, "Plugin type")
        / _safe(name, "Plugin name")
        / "install.log"
    )


def plugin_dir_name(plugin: ProjectPlugin) -> str:
    """The venv folder name: the parent's when the plugin inherits and installs the same thing."""
    parent = plugin.parent
    own_pip_url = plugin.entry.get("pip_url")
    if parent is not None and own_pip_url in (None, parent.pip_url):
        return plugin_dir_name(parent)
    return plugin.name
