"""The complete environment a plugin process gets (settings.md §9); invoke and run call this."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from meltano.core.settings import process_env
from meltano.core.settings.plugin_settings import plugin_settings
from meltano.core.settings.project_settings import meltano_settings, project_env

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.project.project import Project
    from meltano.core.settings.plugin_settings import PluginSettings


def plugin_process_env(
    project: Project,
    plugin: ProjectPlugin,
    *,
    settings: PluginSettings | None = None,
    base: Mapping[str, str] | None = None,
    upstream_env: Mapping[str, str] | None = None,
    terminal: bool = True,
) -> dict[str, str]:
    """Every variable the plugin's process receives, later layers winning.

    `MELTANO_JOB_TRIGGER=cli` -> `.env` -> terminal -> project vars -> root `env` ->
    `MELTANO_*` settings -> identity -> the plugin's settings and extras -> root plugin `env`
    -> environment `env` -> environment plugin `env`. `base` goes right after the first:
    plugin-type variables such as `SINGER_SDK_LOG_CONFIG`. `upstream_env` (earlier blocks'
    variables in a pipeline) comes right after the terminal env and is also used to expand
    this plugin's values.
    `VIRTUAL_ENV`/`PATH` for the plugin's venv are the caller's to add. `terminal=False`
    leaves our own process's variables out (for a container: they describe this machine,
    PATH and HOME among them, not the image); values are still expanded against them.
    """

    resolved = settings or plugin_settings(project, plugin, upstream_env=upstream_env)
    root, plugin_level, environment, environment_plugin = process_env.env_levels(project, plugin)
    env: dict[str, str] = {"MELTANO_JOB_TRIGGER": "cli"}  # a scheduler exports its own
    env.update(base or {})
    env.update(project.dotenv)
    if terminal:
        env.update(project.environ)
    env.update(upstream_env or {})
    env.update(project_env(project))
    env.update(root)
    env.update(process_env.meltano_settings_env(meltano_settings(project)))
    env.update(process_env.identity_env(plugin))
    env.update(resolved.env())
    env.update(plugin_level)
    env.update(environment)
    env.update(environment_plugin)
    env.setdefault("PYTHONWARNINGS", "once")
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    return env
