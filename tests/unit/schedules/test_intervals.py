from __future__ import annotations

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.schedules.intervals import (
    InvalidIntervalError,
    check_interval,
    cron_interval,
    is_valid,
)


@pytest.mark.parametrize(
    "interval",
    [
        "@once",
        "@manual",
        "@none",
        "@hourly",
        "@daily",
        "@weekly",
        "@monthly",
        "@yearly",
        "@annually",
        "@midnight",
        "@DAILY",
        "0 0 L * *",
        "0 0 ? * *",
        "0 0 * * 7",
        "*/5 * * * *",
        "0 0 1-10/2 jan-mar mon-fri",
        "5 4 * * sun",
        "0,15,30,45 * * * *",
    ],
)
def test_presets_and_five_field_cron_are_valid(interval: str) -> None:
    assert is_valid(interval)
    assert check_interval(interval) == interval


@pytest.mark.parametrize(
    "interval",
    [
        "nope",
        "",
        "@reboot",
        "0 0 * *",  # four fields
        "0 0 * * * *",  # croniter's seconds field: not cron, not Airflow
        "0 0 * * * * *",
        "60 * * * *",
        "0 0 * * 8",
        "H * * * *",
    ],
)
def test_invalid_intervals_are_rejected_with_the_4_4_1_message(interval: str) -> None:
    assert not is_valid(interval)
    with pytest.raises(InvalidIntervalError) as caught:
        check_interval(interval)
    assert caught.value.reason == (
        f"Invalid Cron expression or alias: '{interval}'. Please use a valid cron expression"
    )
    assert isinstance(caught.value, MeltanoError)
    assert "@daily" in (caught.value.instruction or "")


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@Daily", "0 0 * * *"),  # 4.4.1 leaves other spellings unexpanded; schedulers need cron
        ("@once", None),
        ("@manual", None),
        ("@none", None),
        (None, None),
        ("5 4 * * sun", "5 4 * * sun"),
    ],
)
def test_cron_interval_expands_presets(interval: str | None, expected: str | None) -> None:
    assert cron_interval(interval) == expected
