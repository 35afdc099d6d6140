"""What `meltano config` addresses: Meltano itself or one project plugin, with its values."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from meltano.core.settings import project_settings
from meltano.core.settings.cast import post_process
from meltano.core.settings.config_file import config_document
from meltano.core.settings.definitions import SettingDefinition
from meltano.core.settings.dotenv import quote
from meltano.core.settings.loaders import read_names
from meltano.core.settings.names import nest
from meltano.core.settings.plugin_settings import all_definitions, plugin_settings
from meltano.core.settings.process_env import meltano_settings_env, settings_env
from meltano.core.settings.resolve import Resolved, Source
from meltano.core.settings.secrets import MASK  # how `config print` shows a secret

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin
    from meltano.core.plugins.types import PluginType
    from meltano.core.project.project import Project


class PluginFinder(Protocol):
    """Finds the project plugin called `name`, as `plugins.finder.find` does for a command."""

    def __call__(self, name: str, *, plugin_type: PluginType | None = None) -> ProjectPlugin: ...


REDACTED = "(redacted)"  # how `config list` and `config set` show one


@dataclass(frozen=True)
class ConfigSubject:
    """Meltano (plugin None) or a plugin, its definitions and resolved values."""

    plugin: ProjectPlugin | None
    definitions: tuple[SettingDefinition, ...]
    values: Mapping[str, Resolved]

    @property
    def descriptor(self) -> str:
        """`Meltano` or `Extractor 'tap-x'`, as messages start."""
        if self.plugin is None:
            return "Meltano"
        return f"{self.plugin.type.descriptor} '{self.plugin.name}'"

    @property
    def docs_label(self) -> str:
        if self.plugin is None:
            return "Meltano"
        return self.plugin.label or self.plugin.name

    @property
    def docs_url(self) -> str | None:
        return project_settings.DOCS_URL if self.plugin is None else self.plugin.docs

    def read_names(self, definition: SettingDefinition) -> list[str]:
        if self.plugin is None:
            return project_settings.env_names(definition)
        return read_names(self.plugin, definition)

    def config(self, *, unsafe: bool) -> dict[str, Any]:
        """`config print` JSON: nested by dots; plugins drop unset values (not an explicit
        nested null), Meltano keeps them."""
        if self.plugin is None:
            return nest(
                {
                    d.name: _masked(d, self.values[d.name].value, unsafe)
                    for d in self.definitions
                    if not d.is_extra
                }
            )
        return config_document(
            self.definitions,
            self.values,
            transform=lambda d, value: _masked(d, post_process(d, value), unsafe),
        )

    def extras(self, *, unsafe: bool) -> dict[str, Any]:
        return {
            d.name: _masked(d, self.values[d.name].value, unsafe)
            for d in self.definitions
            if d.is_extra
        }

    def env(self, *, extras: bool, unsafe: bool) -> dict[str, str]:
        """`config print --format=env`: every variable the values are written to."""

        if self.plugin is None:
            return meltano_settings_env(
                {
                    n: Resolved(_masked(d, self.values[n].value, unsafe), Source.DEFAULT)
                    for d in self.definitions
                    if (n := d.name) in self.values
                },
                self.definitions,
            )
        chosen = tuple(d for d in self.definitions if d.is_extra == extras)
        values = {d.name: _masked(d, self.values[d.name].value, unsafe) for d in chosen}
        return settings_env(self.plugin, chosen, values)


def is_masked(definition: SettingDefinition, value: Any, *, unsafe: bool) -> bool:
    """A secret is hidden when it holds something: an unset or empty one shows as it is."""
    return definition.sensitive and value not in (None, "") and not unsafe


def _masked(definition: SettingDefinition, value: Any, unsafe: bool) -> Any:
    return MASK if is_masked(definition, value, unsafe=unsafe) else value


def shown(definition: SettingDefinition, value: Any, *, unsafe: bool) -> str:
    """A value as `config list`/`config set` print it: Python repr, secrets `(redacted)`."""
    if is_masked(definition, value, unsafe=unsafe):
        return REDACTED
    if isinstance(value, (datetime.date, datetime.time)):  # an unquoted YAML date
        return repr(value.isoformat())
    return repr(value)


def load_subject(
    project: Project,
    name: str,
    *,
    find: PluginFinder,
    plugin_type: PluginType | None = None,
    with_values: bool = True,
) -> ConfigSubject:
    """Resolve the settings of `meltano` or of the project plugin called `name`.

    `with_values=False` skips reading values, so a bad stored value cannot stop a fix.
    """
    if name == "meltano" and plugin_type is None:
        # Add-on settings (`state_backend.<scheme>.*`) are listed and set like built-in ones.
        values = project_settings.meltano_settings(project, addons=True) if with_values else {}
        return ConfigSubject(None, project_settings.definitions(addons=True), values)
    plugin = find(name, plugin_type=plugin_type)
    if not with_values:
        configs = [a.config for a in plugin.lineage()]
        return ConfigSubject(plugin, all_definitions(plugin, configs, []), {})
    settings = plugin_settings(project, plugin)
    return ConfigSubject(plugin, settings.definitions, settings.values)


def env_var_lines(values: Mapping[str, str]) -> list[str]:
    """Dotenv lines with single-quoted values."""

    return [f"{name}={quote(value)}" for name, value in values.items()]
