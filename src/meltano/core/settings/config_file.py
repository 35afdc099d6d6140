"""The document a plugin's config file holds, built from resolved settings (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.loaders import object_owner
from meltano.core.settings.names import nest, split_name
from meltano.core.settings.resolve import Resolved

Transform = Callable[[SettingDefinition, Any], Any]


def _unchanged(_: SettingDefinition, value: Any) -> Any:
    return value


def config_document(
    definitions: Sequence[SettingDefinition],
    values: Mapping[str, Resolved],
    *,
    transform: Transform = _unchanged,
) -> dict[str, Any]:
    """Settings that are set (or an explicit nested null), dotted names nested.

    A leaf of an object setting (`an_object.foo`) is a setting of its own, so it can come from
    another store than the object: it goes into the object where its store has precedence over
    the object's, and only fills a gap otherwise (4.4.1 merges them the same way).
    `transform` turns each value into what is written (post-processing, masking).
    """
    sent = [d for d in definitions if not d.is_extra and values[d.name].is_sent]
    objects = [d for d in sent if d.kind is Kind.OBJECT]
    whole: dict[str, Any] = {}
    leaves: list[tuple[SettingDefinition, SettingDefinition]] = []
    for definition in sent:
        owner = object_owner(definition.name, objects)
        if owner is None:
            whole[definition.name] = transform(definition, values[definition.name].value)
        else:
            leaves.append((definition, owner))
    document = nest(whole)
    for leaf, owner in leaves:
        wins = values[leaf.name].source < values[owner.name].source
        _place(document, split_name(leaf.name), transform(leaf, values[leaf.name].value), wins)
    return document


def _place(document: dict[str, Any], path: list[str], value: Any, wins: bool) -> None:
    node = document
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            if child is not None and not wins:
                return
            child = node[part] = {}
        node = child
    if wins or path[-1] not in node:
        node[path[-1]] = value
