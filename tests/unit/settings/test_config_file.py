"""The config file document: nested nulls kept, unset values dropped, object leaves merged."""

from __future__ import annotations

from meltano.core.settings.config_file import config_document
from meltano.core.settings.definitions import Kind, SettingDefinition
from meltano.core.settings.loaders import custom_definitions, plugin_entry_values, yml_layer
from meltano.core.settings.resolve import Found, Resolved, Source, resolve

OBJ = SettingDefinition(name="obj", kind=Kind.OBJECT)
CONFIG = {"obj": {"a": 1, "b": {"c": None}}, "stream_maps": {"users": {"email": None}}, "x": None}


def definitions() -> list[SettingDefinition]:
    declared = [OBJ, SettingDefinition(name="x")]
    return [*declared, *custom_definitions(declared, [CONFIG], [])]


def test_object_leaves_and_undeclared_paths_get_definitions() -> None:
    names = [d.name for d in definitions()]
    assert names == ["obj", "x", "obj.a", "obj.b.c", "stream_maps.users.email"]


def test_a_nested_null_is_a_value_a_top_level_null_is_not() -> None:
    defs = definitions()
    layer = yml_layer(plugin_entry_values({"config": CONFIG}, defs), defs)
    assert layer["stream_maps.users.email"] == Found(None, null=True)
    resolved = resolve(defs, {Source.MELTANO_YML: layer})
    assert resolved["stream_maps.users.email"].null
    assert resolved["stream_maps.users.email"].source is Source.MELTANO_YML
    assert resolved["x"] == Resolved(None, Source.DEFAULT)
    assert config_document(defs, resolved) == {
        "obj": {"a": 1, "b": {"c": None}},
        "stream_maps": {"users": {"email": None}},
    }


def test_object_leaf_wins_only_from_a_higher_store() -> None:
    defs = [OBJ, SettingDefinition(name="obj.a", custom=True)]
    lower = {
        "obj": Resolved({"a": "whole"}, Source.MELTANO_YML),
        "obj.a": Resolved(1, Source.DEFAULT),
    }
    assert config_document(defs, lower) == {"obj": {"a": "whole"}}
    higher = {"obj": Resolved({"a": "whole"}, Source.MELTANO_YML), "obj.a": Resolved(2, Source.ENV)}
    assert config_document(defs, higher) == {"obj": {"a": 2}}
    gap = {"obj": Resolved({"z": 0}, Source.ENV), "obj.a": Resolved(3, Source.MELTANO_YML)}
    assert config_document(defs, gap) == {"obj": {"z": 0, "a": 3}}


def test_transform_applies_to_every_written_value() -> None:
    defs = [SettingDefinition(name="key", sensitive=True), SettingDefinition(name="n")]
    values = {"key": Resolved("s", Source.ENV), "n": Resolved(1, Source.ENV)}
    masked = config_document(defs, values, transform=lambda d, v: "*" if d.sensitive else v)
    assert masked == {"key": "*", "n": 1}
