"""Find the project's plugins for a command: definitions from the lock file, else the Hub.

Like 4.4.1, a plugin without a lock file gets its definition from the Hub, which is then
locked (unless the project is read-only); `command` names the command in Hub requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meltano.core.plugins.lockfile import locked_or_fetched
from meltano.core.plugins.project_plugin import find_plugin, project_plugins

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.plugins.types import PluginType
    from meltano.core.project.project import Project


def find(
    project: Project, name: str, *, command: str, plugin_type: PluginType | None = None
) -> ProjectPlugin:
    """The project plugin called `name` (of `plugin_type`, when given)."""
    return find_plugin(
        project, name, plugin_type=plugin_type, definitions=locked_or_fetched(command)
    )


def find_all(project: Project, *, command: str) -> list[ProjectPlugin]:
    """Every plugin of the project, in file order."""
    return project_plugins(project, definitions=locked_or_fetched(command))
