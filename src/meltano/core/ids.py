"""Identifiers: time-ordered UUIDs for projects, runs and telemetry contexts."""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (version 7), as Meltano uses for project IDs."""
    if hasattr(uuid, "uuid7"):  # Python 3.14+
        made: uuid.UUID = uuid.uuid7()
        return made

    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(
        os.urandom(10), "big"
    )  # 80 random bits
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)
