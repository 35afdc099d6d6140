"""Small catalogs built in code, and lookups that keep assertions short."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SOURCES = Path(__file__).parents[2] / "fixtures" / "catalogs" / "sources"


def source(name: str) -> dict[str, Any]:
    """A catalog from tests/fixtures/catalogs/sources."""
    loaded: dict[str, Any] = json.loads((SOURCES / name).read_text())
    return loaded


def users_catalog() -> dict[str, Any]:
    """An SDK-style stream with nested objects plus a legacy stream without metadata."""
    return {
        "streams": [
            {
                "tap_stream_id": "users",
                "stream": "users",
                "schema": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "email": {"type": "string"},
                        "secret": {"type": "string"},
                        "address": {
                            "type": "object",
                            "properties": {
                                "city": {"type": "string"},
                                "geo": {
                                    "type": "object",
                                    "properties": {"lat": {"type": "number"}},
                                },
                            },
                        },
                    },
                },
                "metadata": [
                    {"breadcrumb": [], "metadata": {"inclusion": "available"}},
                    {"breadcrumb": ["properties", "id"], "metadata": {"inclusion": "automatic"}},
                    {"breadcrumb": ["properties", "email"], "metadata": {"inclusion": "available"}},
                    {
                        "breadcrumb": ["properties", "secret"],
                        "metadata": {"inclusion": "unsupported"},
                    },
                ],
            },
            {
                "tap_stream_id": "orders",
                "stream": "orders",
                "schema": {"properties": {"total": {"type": "number"}}},
            },
        ]
    }


def stream(catalog: dict[str, Any], stream_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in catalog["streams"] if s["tap_stream_id"] == stream_id)
    return found


def meta(catalog: dict[str, Any], stream_id: str, path: str = "") -> dict[str, Any]:
    """The metadata of `stream_id`'s entry for dotted property `path` ("" = the stream)."""
    crumbs = [part for name in path.split(".") if name for part in ("properties", name)]
    entries = stream(catalog, stream_id)["metadata"]
    found: dict[str, Any] = next(e["metadata"] for e in entries if e["breadcrumb"] == crumbs)
    return found


def selected(catalog: dict[str, Any], stream_id: str) -> dict[str, object]:
    """`{"": stream selected, "a.b": property selected, ...}` for one stream."""
    return {
        ".".join(entry["breadcrumb"][1::2]): entry["metadata"].get("selected")
        for entry in stream(catalog, stream_id)["metadata"]
    }
