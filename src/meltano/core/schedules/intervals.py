"""Schedule intervals: a 5-field cron expression or a preset such as `@daily`.

Meltano runs nothing on its own clock; the interval is data for an external scheduler, which
reads the expanded cron expression (`cron_interval`) from `meltano schedule list --format json`.
"""

from __future__ import annotations

from meltano.core.errors import MeltanoError

# Presets with a cron equivalent; the others mean "only when started by hand".
CRON_PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
MANUAL_PRESETS = ("@once", "@manual", "@none")
PRESETS = (*MANUAL_PRESETS, *CRON_PRESETS)


class InvalidIntervalError(MeltanoError):
    def __init__(self, interval: str) -> None:
        super().__init__(
            f"Invalid Cron expression or alias: '{interval}'. Please use a valid cron expression",
            f"Use one of {', '.join(PRESETS)}, or 5 cron fields such as '0 3 * * mon-fri'",
        )


def is_valid(interval: str) -> bool:
    """True for a preset (any letter case) or a valid 5-field cron expression."""
    if interval.strip().lower() in PRESETS:
        return True
    if len(interval.split()) != 5:
        return False  # croniter also takes seconds and years; cron and Airflow do not
    from croniter import croniter

    try:
        return bool(croniter.is_valid(interval))
    except Exception:  # croniter raises assorted errors on odd input
        return False


def check_interval(interval: str) -> str:
    """The interval unchanged, or InvalidIntervalError."""
    if not is_valid(interval):
        raise InvalidIntervalError(interval)
    return interval


def cron_interval(interval: str | None) -> str | None:
    """The cron expression a scheduler should use: presets expanded, manual ones None."""
    if interval is None:
        return None
    preset = interval.strip().lower()
    if preset in MANUAL_PRESETS:
        return None
    return CRON_PRESETS.get(preset, interval)
