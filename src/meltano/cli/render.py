"""Rendering helpers shared by commands: JSON documents and simple tables."""

from __future__ import annotations

import json


def as_json(value: object, *, indent: int | None = 2) -> str:
    """A JSON document for stdout."""
    return json.dumps(value, indent=indent, default=str)
