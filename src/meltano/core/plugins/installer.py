"""Install project plugins into their venvs: build install requests and report results."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import structlog

from meltano.core.plugins.invocation import is_installable, plugin_dir_name, plugin_venv
from meltano.core.plugins.types import PluginType
from meltano.core.venvs.install import InstallRequest, InstallResult, InstallStatus

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")
NOT_INSTALLABLE = "Plugin is not installable"


def install_request(
    project: Project,
    plugin: ProjectPlugin,
    *,
    clean: bool = False,
    force: bool = False,
    auto: bool = False,
) -> InstallRequest:
    """What to install for `plugin`: `$VAR`-expanded pip_url, interpreter, backend."""
    from meltano.core.settings.expand import expand_text
    from meltano.core.settings.process_env import terminal_env, yml_env
    from meltano.core.settings.project_settings import get_setting
    from meltano.core.venvs.paths import install_log_file
    from meltano.core.venvs.python import choose_python

    env = {**terminal_env(project), **yml_env(project, None)}
    pip_url = expand_text(plugin.pip_url or "", env) or ""
    python = choose_python(
        plugin_python=plugin.python,
        project_python=get_setting(project, "python"),
        project_root=project.root,
    )
    return InstallRequest(
        plugin_type=plugin.type.value,
        name=plugin.name,
        venv_dir=plugin_venv(project, plugin),
        pip_url=pip_url,
        python=python,
        backend=str(get_setting(project, "venv.backend") or "uv"),
        clean=clean,
        force=force,
        auto=auto,
        env=env,
        log_file=install_log_file(project.sys_dir, plugin.type.value, plugin.name),
        run_dir=project.run_dir / plugin_dir_name(plugin),
    )


def skipped(plugin: ProjectPlugin) -> str | None:
    """Why a plugin is not installed by pip at all, or None when it is."""
    if plugin.entry.get("mapping_name"):
        return "Mappings are installed with their mapper"
    if plugin.type is PluginType.TRANSFORMS:
        return "Transforms are wired into the dbt project when added"
    if not is_installable(plugin):
        return NOT_INSTALLABLE
    return None


def install_plugins(
    project: Project,
    plugins: Sequence[ProjectPlugin],
    *,
    clean: bool = False,
    force: bool = False,
    auto: bool = False,
    parallelism: int | None = None,
) -> list[InstallResult]:
    """Install each plugin (venvs shared by inheriting plugins are installed once)."""
    requests: list[InstallRequest] = []
    results: dict[str, InstallResult] = {}
    for plugin in plugins:
        reason = skipped(plugin)
        request = install_request(project, plugin, clean=clean, force=force, auto=auto)
        if reason is not None:
            results[plugin.name] = InstallResult(request, InstallStatus.SKIPPED, reason=reason)
            continue
        if not auto:
            log.info("installing plugin", plugin_type=plugin.type.singular, name=plugin.name)
        requests.append(request)
    from meltano.core.venvs.install import install_plugins as install_requests

    for result in asyncio.run(install_requests(requests, parallelism=parallelism)):
        results[result.request.name] = result
        _report(result, auto=auto)
    return [results[plugin.name] for plugin in plugins]


def _report(result: InstallResult, *, auto: bool) -> None:
    request = result.request
    kind = PluginType(request.plugin_type).singular
    if result.status is InstallStatus.INSTALLED:
        log.info(
            "installed plugin",
            plugin_type=kind,
            name=request.name,
            seconds=round(result.seconds, 1),
        )
    elif result.status is InstallStatus.FAILED:
        log.error(
            "plugin installation failed", plugin_type=kind, name=request.name, reason=result.reason
        )
    elif not auto:
        log.info(
            "skipped installing plugin", plugin_type=kind, name=request.name, reason=result.reason
        )


def ensure_installed(
    project: Project, plugins: Sequence[ProjectPlugin], *, mode: str | None
) -> bool:
    """Apply the install switch before a command runs plugins; False means `--only-install`.

    `mode` is "install", "no-install", "only-install", or None to follow `auto_install`.
    """
    from meltano.core.settings.project_settings import get_setting

    if mode == "no-install" or (mode is None and not get_setting(project, "auto_install")):
        return True
    explicit = mode in ("install", "only-install")
    wanted = [p for p in plugins if skipped(p) is None]
    results = install_plugins(project, wanted, auto=True) if wanted else []
    failed = [r for r in results if r.status is InstallStatus.FAILED]
    if failed:
        error = failed[0].error
        if error is not None:
            raise error
    if explicit and mode == "only-install":
        return False
    return True
