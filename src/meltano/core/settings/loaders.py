"""Read each store (env vars, `.env`, meltano.yml, the system DB) into a plain mapping.

Every function here returns `{setting name: value or Found}` for `resolve`; nothing here
decides precedence, expands `$VAR`s or casts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from meltano.core.booleans import is_truthy
from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.names import flatten, leaves, split_name, to_env_var
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
    A `null` inside a nested value (`stream_maps: {users: {email: null}}`) is a value: it
    tells the plugin something (drop the field), so it is kept rather than read as unset.
    """
    layer = {k: _nested_null(k, v) for k, v in flat.items() if _is_child(k, definitions)}
    for definition in definitions:
        found = pick_spelling(
            flat,
            [definition.name, *definition.aliases],
            store_label=YML_LABEL,
            secret=definition.sensitive,
        )
        if found is not None:
            layer[definition.name] = found.value
        elif definition.name in flat:
            layer[definition.name] = _nested_null(definition.name, flat[definition.name])
    return layer


def _nested_null(name: str, value: Any) -> Any:
    """A nested `null` as an explicit value; anything else unchanged."""
    return Found(None, null=True) if value is None and len(split_name(name)) > 1 else value


def kept_whole(definitions: Sequence[SettingDefinition]) -> list[str]:
    """Settings whose value is a list as a whole: flattening stops there. Objects are entered:
    their leaves are also settings of their own (`an_object.foo`), as in 4.4.1."""
    return [d.name for d in definitions if d.kind is Kind.ARRAY]


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
    """Implicit definitions for config keys and DB rows that no definition declares.

    The leaves inside an object setting's value get one too (`an_object.foo`): `config list`
    shows them and the plugin's environment gets their variables, as in 4.4.1.
    """
    names = [n for d in declared if d.kind is not Kind.OBJECT for n in (d.name, *d.aliases)]
    objects = [n for d in declared if d.kind is Kind.OBJECT for n in (d.name, *d.aliases)]
    custom: dict[str, SettingDefinition] = {}
    candidates = [
        item for config in configs for item in leaves(config, keep=kept_whole(declared)).items()
    ]
    candidates += [(name, None) for name in db_names]
    for name, value in candidates:
        covered = name in objects or any(name == n or name.startswith(f"{n}.") for n in names)
        if not covered and name not in custom:
            custom[name] = SettingDefinition.custom_for(name, value)
    return tuple(custom.values())


def _is_child(name: str, definitions: Sequence[SettingDefinition]) -> bool:
    return object_owner(name, definitions) is not None


def object_owner(name: str, definitions: Sequence[SettingDefinition]) -> SettingDefinition | None:
    """The object setting that `name` is a path inside (`an_object` for `an_object.foo`)."""
    owners = [d for d in definitions if d.kind is Kind.OBJECT and name.startswith(f"{d.name}.")]
    return max(owners, key=lambda d: len(d.name), default=None)


def _negated(definition: SettingDefinition, found: Found) -> Found:
    """An `env_aliases` entry `!NAME` holds the opposite boolean of the setting."""
    if f"!{found.where}" not in definition.env_aliases:
        return found
    return Found(not is_truthy(found.value), found.where)
