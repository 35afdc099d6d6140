"""Settings that installed add-ons declare under the `meltano.settings` entry point group.

A state backend add-on written for Meltano 4.4.1 declares its settings as module-level
`SettingDefinition(name="state_backend.<scheme>.<key>", kind=SettingKind.STRING, ...)`
objects, built with 4.4.1's keyword constructor (`meltano.core.setting_definition`), and
names each one in its package metadata.

Reading the entry points costs tens of milliseconds and imports each add-on's module (and its
driver), so only what needs them asks: listing and editing Meltano's settings, `compile`, and
opening a state backend whose scheme is not built in. A plain `meltano run` never does.
"""

from __future__ import annotations

import dataclasses
import functools

import structlog

from meltano.core.settings.definitions import SettingDefinition

log = structlog.get_logger(__name__)

ENTRY_POINT_GROUP = "meltano.settings"  # the group 4.4.1 reads add-on settings from


def plain(definition: SettingDefinition) -> SettingDefinition:
    """The same definition as a plain SettingDefinition (so `dataclasses.replace` works)."""
    values = {item.name: getattr(definition, item.name) for item in dataclasses.fields(definition)}
    return SettingDefinition(**values)


@functools.cache
def addon_definitions() -> tuple[SettingDefinition, ...]:
    """Every setting installed add-ons declare, in the order the entry points are found.

    An add-on that cannot be imported (a missing driver, say) is skipped with a warning, so a
    broken add-on cannot stop `meltano config`; opening its backend reports the error itself.
    """
    from importlib.metadata import entry_points

    found: dict[str, SettingDefinition] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.value.startswith("meltano."):  # Meltano's own (4.4.1 lists its built-ins)
            continue
        try:
            loaded = entry.load()
        except Exception as error:  # any failure of an add-on's import
            log.warning(
                "add-on settings could not be loaded",
                entry_point=f"{entry.name} = {entry.value}",
                error=f"{type(error).__name__}: {error}",
            )
            continue
        if not isinstance(loaded, SettingDefinition):
            log.warning(
                "add-on setting is not a SettingDefinition, ignored",
                entry_point=f"{entry.name} = {entry.value}",
            )
            continue
        found.setdefault(loaded.name, plain(loaded))
    return tuple(found.values())
