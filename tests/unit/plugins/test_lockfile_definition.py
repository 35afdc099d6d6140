"""PluginDefinition: parsing, what a lock file keeps, and picking variants."""

from __future__ import annotations

import pytest

from meltano.core.plugins.definition import (
    DefinitionError,
    PluginDefinition,
    flatten_variants,
    lock_setting,
)


def test_unknown_keys_are_kept_and_written_after_the_known_ones() -> None:
    definition = PluginDefinition.from_dict(
        {
            "select": ["a.*"],
            "name": "tap-x",
            "namespace": "tap_x",
            "keywords": ["sdk"],
            "pip_url": "tap-x",
            "variant": "v",
        },
        plugin_type="extractors",
    )
    assert definition.extras == {"select": ["a.*"], "keywords": ["sdk"]}
    assert list(definition.to_lock()) == [
        "plugin_type",
        "name",
        "namespace",
        "variant",
        "label",
        "pip_url",
        "select",
        "keywords",
    ]


def test_empty_values_and_hidden_are_left_out_of_the_lock() -> None:
    definition = PluginDefinition.from_dict(
        {
            "name": "t",
            "namespace": "t",
            "capabilities": [],
            "settings_group_validation": [],
            "hidden": True,
            "description": None,
        },
        plugin_type="loaders",
    )
    assert definition.hidden
    assert definition.to_lock() == {
        "plugin_type": "loaders",
        "name": "t",
        "namespace": "t",
        "label": "t",
    }


def test_lock_setting_marks_secret_kinds_and_orders_keys() -> None:
    assert list(
        lock_setting({"label": "P", "kind": "password", "name": "p", "description": ""}).items()
    ) == [("name", "p"), ("kind", "string"), ("label", "P"), ("sensitive", True)]
    assert lock_setting({"name": "o", "kind": "oauth"}) == {
        "name": "o",
        "kind": "oauth",
        "sensitive": True,
    }
    assert lock_setting({"name": "e", "value": ""}) == {"name": "e", "value": ""}


def test_name_and_namespace_are_required() -> None:
    with pytest.raises(DefinitionError, match="no `name`"):
        PluginDefinition.from_dict({"namespace": "x"}, plugin_type="loaders")
    with pytest.raises(DefinitionError, match="no `namespace`"):
        PluginDefinition.from_dict({"name": "x"}, plugin_type="loaders")


def test_lock_name_depends_on_the_variant() -> None:
    assert PluginDefinition("loaders", "t", "t", variant="v").lock_name == "t--v"
    assert PluginDefinition("loaders", "t", "t").lock_name == "t"


MULTI = {
    "name": "tap-x",
    "namespace": "tap_x",
    "variants": [
        {"name": "first", "pip_url": "one"},
        {"name": "orig", "original": True, "pip_url": "two"},
    ],
}


@pytest.mark.parametrize(
    ("asked", "variant", "is_default"),
    [
        (None, "first", True),
        ("default", "first", True),
        ("original", "orig", False),
        ("orig", "orig", False),
    ],
)
def test_flatten_variants_picks_one(asked: str | None, variant: str, is_default: bool) -> None:
    flat, default = flatten_variants(MULTI, asked)
    assert (flat["variant"], default) == (variant, is_default)
    assert "variants" not in flat and flat["namespace"] == "tap_x"


def test_flatten_variants_unknown_lists_the_variants() -> None:
    with pytest.raises(DefinitionError, match=r"Variants: first \(default\), orig"):
        flatten_variants(MULTI, "nope")


def test_setting_definitions_are_typed() -> None:
    definition = PluginDefinition.from_dict(
        {
            "name": "t",
            "namespace": "t",
            "settings": [{"name": "port", "kind": "integer", "value": 5432}],
        },
        plugin_type="extractors",
    )
    (port,) = definition.setting_definitions()
    assert port.name == "port" and port.value == 5432
