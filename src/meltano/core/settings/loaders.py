"""Read each store (env vars, `.env`, meltano.yml, the system DB) into a plain mapping.

Every function here returns `{setting name: value or Found}` for `resolve`; nothing here
decides precedence, expands `$VAR`s or casts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.names import flatten, leaves, to_env_var
from meltano.core.settings.resolve import Found, pick_spelling

if TYPE_CHECKING:
    from meltano.core.plugins.project_plugin import ProjectPlugin

ENV_LABEL = "the environment"
DOTENV_LABEL = "`.env`"
YML_LABEL = "`meltano.yml`"


def read_names(plugin: ProjectPlugin, definition: SettingDefinition) -> list[str]:
    """Env vars a setting is read from: `<NAME>_<S>`, `<NAMESPACE>_<S>`, aliases, env_aliases."""
    names = [
        to_env_var(prefix, name)
        for name in (definition.name, *definition.aliases)
        for prefix in plugin.env_prefixes
    ]
    names += [a.lstrip("!") for a in definition.env_aliases]
    return list(dict.fromkeys(names))


def env_layer(
    variables: Mapping[str, str],
    definitions: Sequence[SettingDefinition],
    names_of: Callable[[SettingDefinition], list[str]],
    *,
    label: str,
) -> dict[str, Any]:
    """Values found in a set of variables (process env or `.env`) under each setting's names."""
    layer: dict[str, Any] = {}
    for definition in definitions:
        found = pick_spelling(
            variables, names_of(definition), store_label=label, secret=definition.sensitive
        )
        if found is not None:
            layer[definition.name] = _negated(definition, found)
    return layer


def yml_layer(flat: Mapping[str, Any], definitions: Sequence[SettingDefinition]) -> dict[str, Any]:
    """Values of a flattened meltano.yml section by setting name (aliases accepted).

    Dotted children of object settings (`obj.a`) are kept too, for `assemble_objects`.
    """
    layer = {k: v for k, v in flat.items() if _is_child(k, definitions)}
    for definition in definitions:
        found = pick_spelling(
            flat,
            [definition.name, *definition.aliases],
            store_label=YML_LABEL,
            secret=definition.sensitive,
        )
        if found is not None:
            layer[definition.name] = found.value
    return layer


def kept_whole(definitions: Sequence[SettingDefinition]) -> list[str]:
    """Settings whose value is a map or list as a whole: flattening stops there."""
    return [d.name for d in definitions if d.kind in (Kind.OBJECT, Kind.ARRAY)]


def plugin_entry_values(
    entry: Mapping[str, Any], definitions: Sequence[SettingDefinition]
) -> dict[str, Any]:
    """A plugin entry's `config` (every path) and its extras (`select:` -> `_select`)."""
    config = entry.get("config") or {}
    values = flatten(config, keep=kept_whole(definitions)) if isinstance(config, Mapping) else {}
    extra_names = {d.name for d in definitions if d.is_extra}
    values.update({f"_{k}": v for k, v in entry.items() if f"_{k}" in extra_names})
    return values


def custom_definitions(
    declared: Sequence[SettingDefinition],
    configs: Sequence[Mapping[str, Any]],
    db_names: Sequence[str],
) -> tuple[SettingDefinition, ...]:
    """Implicit definitions for config keys and DB rows that no definition declares."""
    names = [n for d in declared for n in (d.name, *d.aliases)]
    custom: dict[str, SettingDefinition] = {}
    candidates = [
        item for config in configs for item in leaves(config, keep=kept_whole(declared)).items()
    ]
    candidates += [(name, None) for name in db_names]
    for name, value in candidates:
        covered = any(name == n or name.startswith(f"{n}.") for n in names)
        if not covered and name not in custom:
            custom[name] = SettingDefinition.custom_for(name, value)
    return tuple(custom.values())


def _is_child(name: str, definitions: Sequence[SettingDefinition]) -> bool:
    return any(d.kind is Kind.OBJECT and name.startswith(f"{d.name}.") for d in definitions)


def _negated(definition: SettingDefinition, found: Found) -> Found:
    """An `env_aliases` entry `!NAME` holds the opposite boolean of the setting."""
    if f"!{found.where}" not in definition.env_aliases:
        return found
    from meltano.core.settings.cast import TRUE_WORDS

    return Found(str(found.value).strip().lower() not in TRUE_WORDS, found.where)
