"""Install project plugins into their venvs and report each outcome in the log."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.plugins.transforms import install_transform
from meltano.core.plugins.types import PluginType
from meltano.core.settings.project_settings import get_setting
from meltano.core.venvs.install import InstallStatus
from meltano.core.venvs.install import install_plugins as run_requests
from meltano.core.venvs.plan import plan_installs

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project

log = structlog.get_logger("meltano")


@dataclass(frozen=True)
class InstallOutcome:
    """What happened to one plugin."""

    plugin: ProjectPlugin
    status: InstallStatus
    reason: str = ""
    error: MeltanoError | None = None


def _files_hint(plugin: ProjectPlugin, outcome: InstallStatus) -> None:
    if plugin.type is PluginType.FILES and outcome is InstallStatus.INSTALLED:
        log.info("Run `meltano upgrade files` to update your project's '%s' files.", plugin.name)


def _not_pip_installed(plugin: ProjectPlugin) -> str | None:
    if plugin.entry.get("mapping_name"):
        return "Mappings are installed with their mapper"
    return None


def _install_transform(project: Project, plugin: ProjectPlugin, *, auto: bool) -> InstallOutcome:
    """A transform is installed into the dbt project (transforms.py), never automatically."""
    if auto:
        return InstallOutcome(plugin, InstallStatus.SKIPPED, "Transforms are installed explicitly")
    try:
        install_transform(project, plugin)
    except MeltanoError as error:
        return InstallOutcome(plugin, InstallStatus.FAILED, error.reason, error)
    return InstallOutcome(plugin, InstallStatus.INSTALLED)


def install_plugins(
    project: Project,
    plugins: Sequence[ProjectPlugin],
    *,
    clean: bool = False,
    force: bool = False,
    auto: bool = False,
    parallelism: int | None = None,
) -> list[InstallOutcome]:
    """Install each plugin (a venv shared by inheriting plugins is installed once)."""
    outcomes: dict[int, InstallOutcome] = {}
    candidates = []
    for index, plugin in enumerate(plugins):
        reason = _not_pip_installed(plugin)
        if plugin.type is PluginType.TRANSFORMS:
            outcomes[index] = _install_transform(project, plugin, auto=auto)
        elif reason is None:
            candidates.append((index, plugin))
        else:
            outcomes[index] = InstallOutcome(plugin, InstallStatus.SKIPPED, reason)
    planned = plan_installs(
        project, [plugin for _, plugin in candidates], clean=clean, force=force, auto=auto
    )
    to_run = []
    for (index, plugin), plan in zip(candidates, planned, strict=True):
        if plan.error is not None:
            outcomes[index] = InstallOutcome(
                plugin, InstallStatus.FAILED, plan.error.reason, plan.error
            )
        elif plan.request is None:
            outcomes[index] = InstallOutcome(plugin, InstallStatus.SKIPPED, plan.skip_reason or "")
        else:
            request = plan.request
            if not clean and not force:
                # An explicit install of an up-to-date venv (same fingerprint) is skipped too:
                # `meltano install` twice does the work once. --clean or --force reinstall.
                request = dataclasses.replace(request, auto=True)
            if not auto:
                log.info("installing plugin", plugin_type=plugin.type.singular, name=plugin.name)
            to_run.append((index, plugin, request))
    results = asyncio.run(run_requests([r for _, _, r in to_run], parallelism=parallelism))
    for (index, plugin, _), result in zip(to_run, results, strict=True):
        outcomes[index] = InstallOutcome(plugin, result.status, result.reason, result.error)
    ordered = [outcomes[index] for index in range(len(plugins))]
    for outcome in ordered:
        _report(outcome, auto=auto)
        if not auto:
            _files_hint(outcome.plugin, outcome.status)
    return ordered


def _report(outcome: InstallOutcome, *, auto: bool) -> None:
    kind, name = outcome.plugin.type.singular, outcome.plugin.name
    if outcome.status is InstallStatus.INSTALLED:
        log.info("installed plugin", plugin_type=kind, name=name)
    elif outcome.status is InstallStatus.FAILED:
        log.error("plugin installation failed", plugin_type=kind, name=name, reason=outcome.reason)
    elif not auto:
        log.info("skipped installing plugin", plugin_type=kind, name=name, reason=outcome.reason)


def ensure_installed(
    project: Project, plugins: Sequence[ProjectPlugin], *, mode: str | None
) -> bool:
    """Apply the install switch before a command runs plugins; False means `--only-install`.

    `mode` is "install", "no-install", "only-install", or None to follow `auto_install`.
    """

    if mode == "no-install" or (mode is None and not get_setting(project, "auto_install")):
        return True
    if not any(plugin.pip_url for plugin in plugins):  # nothing here lives in a venv
        return mode != "only-install"
    for outcome in install_plugins(project, plugins, auto=True):
        if outcome.status is InstallStatus.FAILED and outcome.error is not None:
            raise outcome.error
    return mode != "only-install"
