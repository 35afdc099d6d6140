"""The discovery cache: `tap.properties.json` plus `tap.properties.cache_key` in the run dir.

The key is the SHA-1 of everything that can change what discovery returns or how rules shape
it: every non-extra setting value, and the `schema` and `metadata` extras. Taps without a
`pip_url`, or installed with `-e`, change under our feet, so they get no key and are discovered
on every run (quirk 23), as are runs with a custom catalog.

Runs only read the cache. A writer forgets the key, replaces the catalog file atomically, then
writes the new key; a reader checks the key before opening the catalog and again once it has
read it, so a concurrent refresh costs at most one rediscovery and never mixes two catalogs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson

from meltano.core.catalog.document import write_catalog, write_text_atomically
from meltano.core.catalog.metadata import Catalog

CATALOG_FILE = "tap.properties.json"
CACHE_KEY_FILE = "tap.properties.cache_key"


def cache_key(
    settings: Mapping[str, object],
    *,
    schema_extra: object,
    metadata_extra: object,
    pip_url: str | None,
    custom_catalog: bool = False,
) -> str | None:
    """The cache key for one extractor's discovery, or None when it must not be cached.

    `settings` maps every non-extra setting name to its resolved value, unset ones as None, in
    definition order (secrets included: the key is a one-way hash and never printed). The JSON
    form (insertion order, Python's default separators) matches 4.4.1, so a project moved
    from 4.4.1 keeps its cache.
    """
    if custom_catalog or not pip_url or pip_url.lstrip().startswith("-e"):
        return None
    document = {
        **{name: value for name, value in settings.items() if not name.startswith("_")},
        "_schema": schema_extra,
        "_metadata": metadata_extra,
    }
    text = json.dumps(document, default=str)
    return hashlib.sha1(text.encode()).hexdigest()  # a cache key, not a secret


def may_use_cache(*, key: str | None, use_cached_catalog: bool, refresh: bool) -> bool:
    """Whether a cached catalog may be looked at: cacheable, allowed, and not refreshing."""
    return key is not None and use_cached_catalog and not refresh


@dataclass(frozen=True)
class CatalogCache:
    """The cached catalog of one extractor, in its run directory."""

    directory: Path

    @property
    def catalog_path(self) -> Path:
        return self.directory / CATALOG_FILE

    @property
    def key_path(self) -> Path:
        return self.directory / CACHE_KEY_FILE

    def stored_key(self) -> str | None:
        """The key saved with the cached catalog, if any."""
        try:
            return self.key_path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def is_current(self, key: str | None) -> bool:
        """Whether the cached catalog was stored under `key`."""
        return key is not None and self.stored_key() == key

    def open(self, key: str | None) -> IO[str] | None:
        """The cached catalog, open for reading, if it was stored under `key`; else None.

        The caller reads it, then checks `is_current(key)` again: a refresh that happened
        meanwhile makes what was read a miss.
        """
        if not self.is_current(key):
            return None
        try:
            return self.catalog_path.open(encoding="utf-8")
        except OSError:
            return None

    def stream_ids(self) -> list[str] | None:
        """The `tap_stream_id`s of the cached catalog, whatever its key, or None without one:
        enough to tell a user that a new `select` pattern matches no stream."""
        try:
            document = orjson.loads(self.catalog_path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        streams = document.get("streams") if isinstance(document, dict) else None
        if not isinstance(streams, list):
            return None
        return [
            str(stream.get("tap_stream_id") or stream.get("stream"))
            for stream in streams
            if isinstance(stream, dict) and (stream.get("tap_stream_id") or stream.get("stream"))
        ]

    def invalidate(self) -> None:
        """Forget the key, so the catalog is not reused until it is stored again."""
        self.key_path.unlink(missing_ok=True)

    def store(self, catalog: Catalog, key: str | None) -> None:
        """Save the catalog, then its key (none for uncacheable taps)."""
        self.invalidate()
        write_catalog(self.catalog_path, catalog)
        if key is not None:
            write_text_atomically(self.key_path, key)

    def store_file(self, discovered: Path, key: str | None) -> None:
        """Move a discovered catalog file (checked, in this directory) into the cache."""
        self.invalidate()
        discovered.replace(self.catalog_path)
        if key is not None:
            write_text_atomically(self.key_path, key)
