"""`config set/unset/reset`: validate first, then write one store, then re-read the winner."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.settings import stores
from meltano.core.settings.cast import cast
from meltano.core.settings.definitions import Kind, SettingDefinition, find_definition, infer_kind
from meltano.core.settings.names import canonical, join_name, split_name
from meltano.core.settings.resolve import Resolved
from meltano.core.settings.subject import REDACTED, ConfigSubject, PluginFinder, load_subject

if TYPE_CHECKING:
    from meltano.core.plugins.types import PluginType
    from meltano.core.project.project import Project

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Change:
    """What a set/unset/reset did, and the value that is in effect afterwards."""

    subject: ConfigSubject
    definition: SettingDefinition
    value: Any
    stores: tuple[stores.Store, ...]
    current: Resolved | None


@dataclass(frozen=True)
class Reset:
    """What a reset cleared: every value of one subject, in these stores."""

    subject: ConfigSubject
    stores: tuple[stores.Store, ...]


def setting_name(parts: Sequence[str]) -> str:
    """`("auth.token",)` or `("auth", "token")` -> `auth.token` (`\\.` stays literal)."""
    if not parts or not all(parts):
        raise MeltanoError("No setting name given", "Pass NAME... VALUE, e.g. `auth.token abc`")
    if len(parts) == 1:
        return canonical(parts[0])
    return join_name(parts)


def _definition(subject: ConfigSubject, name: str) -> tuple[SettingDefinition, bool]:
    found = find_definition(subject.definitions, name)
    if found is not None and not found.custom:
        return found, False
    if subject.plugin is None:
        instruction = "List them with `meltano config list meltano`"
        if name.startswith("state_backend."):
            instruction = (
                "A state backend add-on's settings exist once the add-on is installed beside "
                "Meltano; list them with `meltano config list meltano --all`"
            )
        raise MeltanoError(f"Unknown Meltano setting '{name}'", instruction)
    return found or SettingDefinition.custom_for(name, None), True


def closest_setting(definitions: Sequence[SettingDefinition], name: str) -> str | None:
    """The declared setting `name` was most likely meant as (a typo of), or None."""
    declared = [d.name for d in definitions if not d.custom and d.is_extra == name.startswith("_")]
    close = difflib.get_close_matches(name, declared, n=1, cutoff=0.6)
    return close[0] if close else None


def set_setting(
    project: Project,
    name: str,
    parts: Sequence[str],
    raw_value: str,
    *,
    find: PluginFinder,
    store: stores.Store = stores.Store.AUTO,
    plugin_type: PluginType | None = None,
) -> Change:
    """Cast `raw_value` by the setting's kind and write it; nothing is written if it fails."""
    subject = load_subject(project, name, find=find, plugin_type=plugin_type, with_values=False)
    setting = setting_name(parts)
    definition, unknown = _definition(subject, setting)
    if unknown and not _inside_extra(subject, setting):
        closest = closest_setting(subject.definitions, setting)
        hint = {"did_you_mean": closest} if closest else {}
        log.warning("unknown setting, storing value as text", setting=setting, **hint)
    if raw_value == REDACTED:
        log.warning("value is the redaction marker, nothing written", setting=setting)
        return Change(
            subject, definition, None, (), _current(project, name, find, plugin_type, definition)
        )
    if unknown:
        kind = _kind_of_stored(subject, definition)
        value = raw_value if kind is None else cast(replace(definition, kind=kind), raw_value)
    else:
        value = cast(definition, raw_value)
    used = stores.set_value(project, subject.plugin, definition, value, store)
    return Change(
        subject, definition, value, (used,), _current(project, name, find, plugin_type, definition)
    )


def unset_setting(
    project: Project,
    name: str,
    parts: Sequence[str],
    *,
    find: PluginFinder,
    store: stores.Store = stores.Store.AUTO,
    plugin_type: PluginType | None = None,
) -> Change:
    """Remove a setting's value from the store (auto: from every writable store)."""
    subject = load_subject(project, name, find=find, plugin_type=plugin_type, with_values=False)
    definition, _ = _definition(subject, setting_name(parts))
    changed = stores.unset_value(project, subject.plugin, definition, store)
    current = _current(project, name, find, plugin_type, definition)
    return Change(subject, definition, None, tuple(changed), current)


def reset_settings(
    project: Project,
    name: str,
    *,
    find: PluginFinder,
    store: stores.Store = stores.Store.AUTO,
    plugin_type: PluginType | None = None,
) -> Reset:
    """Clear every value of `name` in the store(s)."""
    subject = load_subject(project, name, find=find, plugin_type=plugin_type, with_values=False)
    changed = stores.reset(project, subject.plugin, subject.definitions, store)
    project.refresh()
    return Reset(subject, tuple(changed))


def _current(
    project: Project,
    name: str,
    find: PluginFinder,
    plugin_type: PluginType | None,
    definition: SettingDefinition,
) -> Resolved | None:
    """The value in effect now, or None when another stored value cannot be read."""
    project.refresh()
    try:
        subject = load_subject(project, name, find=find, plugin_type=plugin_type)
    except MeltanoError as error:
        log.warning("cannot read the current value", reason=error.reason)
        return None
    return subject.values.get(definition.name)


_SCALAR_KINDS = (Kind.BOOLEAN, Kind.INTEGER, Kind.DECIMAL)


def _kind_of_stored(subject: ConfigSubject, definition: SettingDefinition) -> Kind | None:
    """An undeclared setting is cast like the value it replaces, as 4.4.1 does: `update:
    {dags/meltano.py: true}` set to `false` stays a boolean; a new key is stored as text."""
    kind = definition.kind
    if kind is None and subject.plugin is not None and definition.name.startswith("_"):
        head, *path = split_name(definition.name)
        node: object = subject.plugin.extras.get(head)
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        kind = infer_kind(node)
    return kind if kind in _SCALAR_KINDS else None


def _inside_extra(subject: ConfigSubject, name: str) -> bool:
    """`_metadata.users.replication-key` is a path inside the `_metadata` extra."""
    head = name.split(".", 1)[0]
    return name.startswith("_") and any(d.name == head for d in subject.definitions)
