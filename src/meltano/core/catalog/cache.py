"""The discovery cache: `tap.properties.json` plus `tap.properties.cache_key` in the run dir.

The key is the SHA-1 of everything that can change what discovery returns or how rules shape
it: every non-extra setting value, and the `schema` and `metadata` extras. Taps without a
`pip_url`, or installed with `-e`, change under our feet, so they get no key and are discovered
on every run (quirk 23), as are runs with a custom catalog.

Runs only read the cache. Writers replace each file atomically, and a reader checks the key
before and after reading the catalog, so a concurrent refresh costs at most one rediscovery.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from meltano.core.catalog.document import (
    CatalogSource,
    InvalidCatalogError,
    read_catalog,
    write_catalog,
    write_text_atomically,
)
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

    def lookup(self, key: str | None, source: CatalogSource) -> Catalog | None:
        """The cached catalog if it was stored under `key`; None on any miss."""
        if key is None or self.stored_key() != key:
            return None
        try:
            catalog = read_catalog(self.catalog_path, source)
        except InvalidCatalogError:
            return None  # a damaged cache is a miss: discovery will replace it
        return catalog if self.stored_key() == key else None

    def invalidate(self) -> None:
        """Forget the key, so the catalog is not reused until it is stored again."""
        self.key_path.unlink(missing_ok=True)

    def store(self, catalog: Catalog, key: str | None) -> None:
        """Save the catalog, then its key (none for uncacheable taps)."""
        write_catalog(self.catalog_path, catalog)
        if key is None:
            self.invalidate()
        else:
            write_text_atomically(self.key_path, key)
