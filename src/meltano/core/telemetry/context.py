"""The id of this Meltano process's telemetry context, handed to plugins.

Plugins (Singer SDK taps and targets) read `MELTANO_PARENT_CONTEXT_UUID` to relate their own
telemetry to the Meltano command that started them.
"""

from __future__ import annotations

import functools

from meltano.core.ids import uuid7

PARENT_CONTEXT_VARIABLE = "MELTANO_PARENT_CONTEXT_UUID"


@functools.cache
def context_uuid() -> str:
    """One UUID per Meltano process."""

    return str(uuid7())
