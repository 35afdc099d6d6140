from __future__ import annotations

import pytest

from meltano.core.settings.definitions import (
    Kind,
    SettingDefinition,
    SettingDefinitionError,
    find_definition,
    infer_kind,
    merge_definitions,
)


def test_deprecated_kinds_become_flags() -> None:
    password = SettingDefinition.from_dict({"name": "pw", "kind": "password"})
    assert (password.kind, password.sensitive) == (Kind.STRING, True)
    hidden = SettingDefinition.from_dict({"name": "h", "kind": "hidden"})
    assert hidden.hidden


def test_unknown_kind_is_an_error_naming_the_setting() -> None:
    with pytest.raises(SettingDefinitionError, match=r"'port' of extractor 'tap-x'.*'int'"):
        SettingDefinition.from_dict({"name": "port", "kind": "int"}, owner="extractor 'tap-x'")


def test_custom_kind_is_inferred_from_the_yaml_value() -> None:
    assert [infer_kind(v) for v in (True, 1, 1.5, {}, [], "x")] == [
        Kind.BOOLEAN,
        Kind.INTEGER,
        Kind.DECIMAL,
        Kind.OBJECT,
        Kind.ARRAY,
        None,
    ]


def test_project_definitions_override_by_name_and_append_others() -> None:
    base = (SettingDefinition(name="a", value=1), SettingDefinition(name="b"))
    merged = merge_definitions(
        base, (SettingDefinition(name="a", value=2), SettingDefinition(name="c"))
    )
    assert [(d.name, d.value) for d in merged] == [("a", 2), ("b", None), ("c", None)]


def test_find_by_alias() -> None:
    definitions = (SettingDefinition.from_dict({"name": "user", "aliases": ["username"]}),)
    assert find_definition(definitions, "username") is definitions[0]
