from __future__ import annotations

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.settings.cast import SettingValueError, cast
from meltano.core.settings.definitions import Kind, SettingDefinition


def definition(kind: Kind, **extra: object) -> SettingDefinition:
    return SettingDefinition(name="thing", kind=kind, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("1", True), ("YES", True), ("on", True), ("false", False), ("nah", False)],
)
def test_boolean(text: str, expected: bool) -> None:
    assert cast(definition(Kind.BOOLEAN), text) is expected


def test_integer_and_its_error_names_setting_and_kind() -> None:
    assert cast(definition(Kind.INTEGER), "42") == 42
    with pytest.raises(SettingValueError, match=r"'thing' expects an integer \(kind: integer\)"):
        cast(definition(Kind.INTEGER), "abc")


def test_decimal() -> None:
    assert cast(definition(Kind.DECIMAL), "1.5") == 1.5
    with pytest.raises(SettingValueError, match="decimal"):
        cast(definition(Kind.DECIMAL), "one")


def test_object_and_array_parse_json_then_python_literals() -> None:
    assert cast(definition(Kind.OBJECT), '{"a": 1}') == {"a": 1}
    assert cast(definition(Kind.OBJECT), "{'a': 1}") == {"a": 1}
    assert cast(definition(Kind.ARRAY), '["*.*"]') == ["*.*"]
    with pytest.raises(SettingValueError, match="JSON object"):
        cast(definition(Kind.OBJECT), "[1]")
    with pytest.raises(SettingValueError, match="JSON array"):
        cast(definition(Kind.ARRAY), "not json")


def test_options_must_match_a_value() -> None:
    options = ({"label": "A", "value": "a"}, {"label": "B", "value": "b"})
    assert cast(definition(Kind.OPTIONS, options=options), "b") == "b"
    assert cast(definition(Kind.OPTIONS, options=options), "B") == "b"
    with pytest.raises(MeltanoError, match="'c' is not a valid choice for 'thing'"):
        cast(definition(Kind.OPTIONS, options=options), "c")


def test_unexpanded_references_are_not_cast() -> None:
    assert cast(definition(Kind.INTEGER), "$PORT") == "$PORT"


def test_secret_values_stay_out_of_errors() -> None:
    with pytest.raises(SettingValueError) as caught:
        cast(definition(Kind.INTEGER, sensitive=True), "hunter2")
    assert "hunter2" not in caught.value.reason


def test_value_processors() -> None:
    upcase = SettingDefinition(name="x", value_processor="upcase_string")
    assert cast(upcase, "abc") == "ABC"
    nested = SettingDefinition(name="x", kind=Kind.OBJECT, value_processor="nest_object")
    assert cast(nested, {"a.b": 1}) == {"a": {"b": 1}}


def test_dates_keep_iso_and_turn_relative_words_into_timestamps() -> None:
    import datetime

    from meltano.core.settings.cast import post_process

    date = SettingDefinition(name="start_date", kind=Kind.DATE_ISO8601)
    assert post_process(date, "2024-01-05") == "2024-01-05"
    assert post_process(date, "2024-01-05T00:00:00Z") == "2024-01-05T00:00:00Z"
    yesterday = datetime.datetime.fromisoformat(post_process(date, "yesterday"))
    assert abs((datetime.datetime.now() - yesterday) - datetime.timedelta(days=1)).seconds < 60
    week = datetime.datetime.fromisoformat(post_process(date, "2 weeks ago"))
    assert 13 <= (datetime.datetime.now() - week).days <= 14
    assert post_process(date, "whenever") == "whenever"
    stringify = SettingDefinition(name="x", value_post_processor="stringify")
    assert post_process(stringify, {"a": 1}) == '{"a": 1}'
