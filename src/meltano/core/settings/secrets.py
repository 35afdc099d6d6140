"""The secret values of a run: what is blanked out of every plugin line we print or store.

A secret is the value of any `kind: password` or `sensitive: true` setting of a plugin of the
run, from whichever store it comes (environment, `.env`, `meltano.yml`, an environment, the
system database, a parent plugin), and every value in the project's `.env` file. Values
that are plainly not secret (shorter than four characters, `true`/`false`/`yes`/`no`/`on`/
`off`, `null`/`none`) are never blanked: `processes.redact.worth_masking` decides that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meltano.core.project.project import Project
    from meltano.core.settings.plugin_settings import PluginSettings

#: How a secret is shown wherever we show one in its place (`config print`, plugin lines).
MASK = "*****"


def setting_secrets(settings: PluginSettings) -> set[str]:
    """The values of a plugin's sensitive settings, as text (each leaf of an object or array)."""
    found: set[str] = set()
    for definition in settings.definitions:
        if definition.is_secret:
            found.update(_texts(settings.values[definition.name].value))
    return found


def dotenv_secrets(project: Project) -> set[str]:
    """Every value of the project's `.env` file."""
    return {value for value in project.dotenv.values() if value}


def run_secrets(project: Project, settings: Iterable[PluginSettings]) -> frozenset[str]:
    """The secrets of a run of these plugins: their sensitive values and the `.env` values."""
    found = dotenv_secrets(project)
    for each in settings:
        found |= setting_secrets(each)
    return frozenset(found)


def _texts(value: object) -> Iterator[str]:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)
    else:
        yield str(value)
