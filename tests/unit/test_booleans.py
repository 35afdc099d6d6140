"""The one truthiness table: settings, `project_readonly`, DO_NOT_TRACK and file flags read alike."""

from __future__ import annotations

import pytest

from meltano.core.booleans import is_truthy
from meltano.core.settings.cast import cast
from meltano.core.settings.definitions import SettingDefinition
from meltano.core.telemetry.switch import stats_enabled


@pytest.mark.parametrize("value", [True, "true", "TRUE", " yes ", "1", "on", 1])
def test_on_words(value: object) -> None:
    assert is_truthy(value)


@pytest.mark.parametrize("value", [False, "false", "0", "no", "off", "", "t", "y", None, 0, 2])
def test_everything_else_is_off(value: object) -> None:
    """`t` and `y` are off, as 4.4.1 reads `MELTANO_PROJECT_READONLY=t`."""
    assert not is_truthy(value)


@pytest.mark.parametrize("value", ["yes", "t", "off"])
def test_a_boolean_setting_and_do_not_track_agree(value: str) -> None:
    definition = SettingDefinition.from_dict({"name": "flag", "kind": "boolean"}, owner="test")
    assert cast(definition, value) is is_truthy(value)
    assert stats_enabled({}, {"DO_NOT_TRACK": value}) is not is_truthy(value)
