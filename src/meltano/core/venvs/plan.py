"""Turn project plugins into install requests: shared venvs, interpreter, `$VAR`s, environment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.settings import meltano_settings
from meltano.core.settings.expand import expand_text, references
from meltano.core.settings.process_env import env_levels, install_env, terminal_env
from meltano.core.venvs.install import InstallRequest
from meltano.core.venvs.paths import install_log_file, plugin_dir_name, venv_dir
from meltano.core.venvs.python import choose_python

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project

log = structlog.get_logger(__name__)
NOT_INSTALLABLE = "Plugin is not installable"


@dataclass(frozen=True)
class PlannedInstall:
    """One plugin and what to do with it: a request, the reason it is skipped, or an error."""

    plugin: ProjectPlugin
    request: InstallRequest | None
    skip_reason: str | None = None
    error: MeltanoError | None = None  # the plugin cannot be installed as configured


def plan_installs(
    project: Project,
    plugins: Sequence[ProjectPlugin],
    *,
    clean: bool = False,
    force: bool = False,
    auto: bool = False,
) -> list[PlannedInstall]:
    """A request per venv to install; plugins sharing a venv after the first are skipped."""

    settings = {name: resolved.value for name, resolved in meltano_settings(project).items()}
    planned: list[PlannedInstall] = []
    claimed: dict[str, str] = {}  # venv dir -> plugin that installs it
    for plugin in plugins:
        if not plugin.pip_url:
            planned.append(PlannedInstall(plugin, None, NOT_INSTALLABLE))
            continue
        dir_name = plugin_dir_name(plugin)
        key = f"{plugin.type.value}/{dir_name}"
        if key in claimed:
            planned.append(
                PlannedInstall(
                    plugin,
                    None,
                    f"Plugin '{plugin.name}' does not require installation: "
                    "reusing parent virtualenv",
                )
            )
            continue
        try:
            pip_url = expanded_pip_url(project, plugin, strict=not auto)
        except MeltanoError as error:
            planned.append(PlannedInstall(plugin, None, error=error))
            continue
        if pip_url is None:
            planned.append(PlannedInstall(plugin, None, "pip_url refers to unset variables"))
            continue
        claimed[key] = plugin.name
        python = choose_python(
            plugin_python=plugin.python,
            project_python=settings.get("python"),
            project_root=project.root,
        )
        planned.append(
            PlannedInstall(
                plugin,
                InstallRequest(
                    plugin_type=plugin.type.value,
                    name=plugin.name,
                    venv_dir=venv_dir(project.sys_dir, plugin.type.value, dir_name),
                    pip_url=pip_url,
                    python=python,
                    backend=str(settings.get("venv.backend") or "uv"),
                    clean=clean,
                    force=force,
                    auto=auto,
                    env=installer_env(project),
                    log_file=install_log_file(project.sys_dir, plugin.type.value, plugin.name),
                    run_dir=project.run_dir / dir_name,
                ),
            )
        )
    return planned


def expanded_pip_url(project: Project, plugin: ProjectPlugin, *, strict: bool) -> str | None:
    """`pip_url` with `$VAR`s expanded against `install_env`, which no active environment
    changes: `--environment prod invoke X` finds X installed by `meltano install`.

    A reference to an unset variable is an error when `strict`; otherwise it is logged and
    None is returned, so an automatic install skips the plugin.
    """

    pip_url = plugin.pip_url or ""
    env = install_env(project, plugin)
    unset = [name for name in references(pip_url) if name not in env]
    if unset:
        names = ", ".join(unset)
        if strict:
            raise MeltanoError(
                f"The pip_url of {plugin.type.singular} '{plugin.name}' refers to unset "
                f"variables: {names}",
                "Set them in the environment or `.env`, then install again",
            )
        log.warning(
            "install skipped: pip_url refers to unset variables", name=plugin.name, variables=names
        )
        return None
    return expand_text(pip_url, env) or ""


def installer_env(project: Project) -> dict[str, str]:
    """The installers' environment: terminal env and `.env`, plus the root `env:` block."""

    return {**terminal_env(project), **env_levels(project, None)[0]}
