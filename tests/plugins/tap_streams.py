#!/usr/bin/env python3
"""A stdlib Singer tap with a large catalog, for the benchmark's catalog section and tests.

Its catalog has the shape a Meltano Singer SDK tap prints on `--discover` (indented by 2): each
stream `stream_NNNNN` has `properties` top-level properties (`id` and `updated_at`, which are
`automatic`, `meta` an object with two nested properties, and `field_NN` of assorted types),
`key_properties`, a replication key, and one metadata entry per property plus the stream's `[]`
entry (`selected-by-default`, `table-key-properties`, `valid-replication-keys`). With the
default 38 properties a stream is about 13 KB of JSON (26 MB at 2,000 streams).

Settings come from `TAP_STREAMS_<NAME>` environment variables, then `--config FILE` (JSON), so
that the config Meltano writes wins over the environment:
  streams (10)        how many streams the catalog has
  properties (36)     top-level properties per stream (at least 3; with `meta`'s two, 38 in all)
  compact             print the catalog on one line, without indentation
  discover_log        append a line to this file on every `--discover` (tests count them)
A sync (`--catalog FILE`) checks that the file is there and writes one SCHEMA, one RECORD and
one STATE of the first stream; it does not parse the catalog, so the benchmark measures the
orchestrator's catalog work and not the tap's.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PROPERTIES = 36
DEFAULTS = {"streams": 10, "properties": PROPERTIES}
TYPES = (
    {"type": ["string", "null"]},
    {"type": ["integer", "null"]},
    {"type": ["number", "null"]},
    {"type": ["boolean", "null"]},
    {"type": ["string", "null"], "format": "date-time"},
    {"type": ["string", "null"], "maxLength": 255},
    {"type": ["array", "null"], "items": {"type": ["string"]}},
)


def load_config(prefix: str) -> dict:
    config = dict(DEFAULTS)
    for name, value in os.environ.items():
        if name.startswith(prefix):
            try:
                config[name[len(prefix) :].lower()] = json.loads(value)
            except ValueError:
                config[name[len(prefix) :].lower()] = value
    args = sys.argv[1:]
    if "--config" in args:
        with Path(args[args.index("--config") + 1]).open() as file:
            config.update(json.load(file))
    return config


def stream(number: int, properties: int) -> dict:
    """One stream in Singer SDK form: schema, then metadata with the stream entry first."""
    schema = {
        "id": {"type": ["integer"]},
        "updated_at": {"type": ["string"], "format": "date-time"},
        "meta": {
            "type": ["object", "null"],
            "properties": {
                "source": {"type": ["string", "null"]},
                "version": {"type": ["integer", "null"]},
            },
        },
    }
    for index in range(properties - len(schema)):
        schema[f"field_{index:02d}"] = TYPES[(number + index) % len(TYPES)]
    metadata = [
        {
            "breadcrumb": [],
            "metadata": {
                "inclusion": "available",
                "selected-by-default": True,
                "table-key-properties": ["id"],
                "replication-key": "updated_at",
                "forced-replication-method": "INCREMENTAL",
                "valid-replication-keys": ["updated_at"],
                "schema-name": "public",
            },
        }
    ]
    for name, definition in schema.items():
        inclusion = "automatic" if name in ("id", "updated_at") else "available"
        metadata.append(
            {
                "breadcrumb": ["properties", name],
                "metadata": {"inclusion": inclusion},
            }
        )
        for child in definition.get("properties", {}):
            metadata.append(
                {
                    "breadcrumb": ["properties", name, "properties", child],
                    "metadata": {"inclusion": "available"},
                }
            )
    name = f"stream_{number:05d}"
    return {
        "tap_stream_id": name,
        "stream": name,
        "replication_key": "updated_at",
        "replication_method": "INCREMENTAL",
        "key_properties": ["id"],
        "schema": {"type": "object", "properties": schema},
        "metadata": metadata,
    }


def catalog_text(count: int, properties: int) -> str:
    """`json.dumps({"streams": [...]}, indent=2)`, built from one template per type rotation.

    Streams differ only in their name and in which type each field gets (a rotation of TYPES),
    so each rotation is encoded once with a placeholder name: the same text, much faster."""
    templates: dict[int, str] = {}
    parts = []
    for number in range(count):
        rotation = number % len(TYPES)
        if rotation not in templates:
            text = json.dumps({"streams": [stream(rotation, properties)]}, indent=2)
            body = text[text.index("[") + 2 : text.rindex("]") - 3]  # the stream, indented
            templates[rotation] = body.replace(f"stream_{rotation:05d}", "{name}")
        parts.append(templates[rotation].replace("{name}", f"stream_{number:05d}"))
    if not parts:
        return '{\n  "streams": []\n}\n'
    return '{\n  "streams": [\n' + ",\n".join(parts) + "\n  ]\n}\n"


def main() -> int:
    config = load_config("TAP_STREAMS_")
    count, properties = int(config["streams"]), max(3, int(config["properties"]))
    if "--discover" in sys.argv:
        if config.get("discover_log"):
            with Path(config["discover_log"]).open("a") as log:
                log.write("discover\n")
        text = catalog_text(count, properties)
        if config.get("compact"):
            text = json.dumps(json.loads(text), separators=(",", ":"))
        sys.stdout.write(text)
        return 0
    args = sys.argv[1:]
    for flag in ("--catalog", "--properties"):
        if flag in args and not Path(args[args.index(flag) + 1]).is_file():
            print(f"tap-streams: {flag} file not found", file=sys.stderr)
            return 2
    first = "stream_00000"
    out = sys.stdout
    out.write(
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": first,
                "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
                "key_properties": ["id"],
            }
        )
        + "\n"
    )
    out.write(json.dumps({"type": "RECORD", "stream": first, "record": {"id": 1}}) + "\n")
    out.write(json.dumps({"type": "STATE", "value": {"bookmarks": {first: {"id": 1}}}}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
