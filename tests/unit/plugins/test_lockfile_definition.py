"""PluginDefinition: parsing and what a lock file keeps."""

from __future__ import annotations

import pytest

from meltano.core.plugins.definition import (
    DefinitionError,
    PluginDefinition,
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
