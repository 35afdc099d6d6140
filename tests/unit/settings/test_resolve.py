from __future__ import annotations

import itertools

import pytest

from meltano.core.settings.definitions import SettingDefinition
from meltano.core.settings.resolve import (
    ConflictingValuesError,
    Found,
    Source,
    pick_spelling,
    resolve,
)

PORT = SettingDefinition(name="port", value=5432)
ORDER = list(Source)


@pytest.mark.parametrize(("higher", "lower"), list(itertools.pairwise(ORDER[:-1])))
def test_each_store_beats_the_next_one(higher: Source, lower: Source) -> None:
    layers = {lower: {"port": f"from-{lower.name}"}, higher: {"port": f"from-{higher.name}"}}
    resolved = resolve([PORT], layers)["port"]
    assert (resolved.value, resolved.source) == (f"from-{higher.name}", higher)
    without_higher = resolve([PORT], {lower: layers[lower]})["port"]
    assert without_higher.source is lower


def test_every_store_at_once_then_peel_them_off() -> None:
    layers = {source: {"port": source.name} for source in ORDER if source is not Source.DEFAULT}
    for source in ORDER[:-1]:
        assert resolve([PORT], layers)["port"].source is source
        del layers[source]
    assert resolve([PORT], layers)["port"] == resolve([PORT], {})["port"]
    assert resolve([PORT], {})["port"].value == 5432


def test_null_values_do_not_win() -> None:
    resolved = resolve([PORT], {Source.ENV: {"port": None}, Source.MELTANO_YML: {"port": 1}})
    assert resolved["port"].source is Source.MELTANO_YML


def test_labels_name_the_variable_and_parent() -> None:
    env = resolve([PORT], {Source.ENV: {"port": Found("1", "TAP_X_PORT")}})["port"]
    assert env.label() == "from the TAP_X_PORT variable in the environment"
    dotenv = resolve([PORT], {Source.DOTENV: {"port": Found("1", "TAP_X_PORT")}})["port"]
    assert dotenv.label() == "from the TAP_X_PORT variable in `.env`"
    inherited = resolve([PORT], {Source.INHERITED: {"port": Found(1, "tap-x")}})["port"]
    assert inherited.label() == "inherited from 'tap-x'"
    assert resolve([PORT], {})["port"].label() == "default"


def test_two_spellings_with_different_values_conflict() -> None:
    store = {"TAP_X_PORT": "1", "TAP_X_PORT_ALIAS": "2"}
    with pytest.raises(ConflictingValuesError, match="Conflicting values"):
        pick_spelling(store, ["TAP_X_PORT", "TAP_X_PORT_ALIAS"], store_label="env", secret=False)


def test_two_spellings_with_the_same_value_are_fine() -> None:
    store = {"A": "1", "B": "1"}
    assert pick_spelling(store, ["A", "B"], store_label="env", secret=False) == Found("1", "A")


def test_conflict_message_hides_secret_values() -> None:
    with pytest.raises(ConflictingValuesError) as caught:
        pick_spelling({"A": "hunter2", "B": "x"}, ["A", "B"], store_label="env", secret=True)
    assert "hunter2" not in caught.value.reason


def test_object_at_default_is_assembled_from_children_in_other_stores() -> None:
    from meltano.core.settings.definitions import Kind
    from meltano.core.settings.resolve import assemble_objects

    obj = SettingDefinition(name="obj", kind=Kind.OBJECT, value={})
    layers = {Source.MELTANO_YML: {"obj.a": 1}, Source.SYSTEM_DB: {"obj.a": 0, "obj.b.c": 2}}
    resolved = assemble_objects([obj], layers, resolve([obj], layers))["obj"]
    assert resolved.value == {"a": 1, "b": {"c": 2}}
    assert resolved.source is Source.MELTANO_YML
