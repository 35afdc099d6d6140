"""The catalog one run of an extractor gets: custom file, cache, or discovery, then the rules.

The process is not ours to start: the caller passes `discover`, a function that runs
`<tap> --config F --discover` (see `discovery.discovery_command`) and returns its standard
output, raising `DiscoveryFailedError` when the tap fails.

The cache holds what the tap discovered, before any rule, and only a successful, valid discovery
replaces it: a failing tap or an invalid document leaves the previous cache as it was. Runs never
write the rules' result into the cache; the caller writes it to a file of its own run
(`document.write_catalog`), so runs of one tap with different rules cannot disturb each other.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from meltano.core.catalog.cache import CatalogCache, may_use_cache
from meltano.core.catalog.discovery import applies_rules, can_discover
from meltano.core.catalog.document import CatalogSource, parse_catalog, read_catalog
from meltano.core.catalog.rules import CatalogRules, RulesOutcome, apply_rules


@dataclass(frozen=True)
class CatalogRequest:
    """Everything about one extractor run that decides its catalog."""

    plugin_name: str
    capabilities: Collection[str]
    rules: CatalogRules
    cache_key: str | None  # from `cache.cache_key`; None = never cache
    use_cached_catalog: bool = True  # the `_use_cached_catalog` extra
    refresh: bool = False  # `--refresh-catalog` or `--full-refresh`
    custom_catalog: Path | None = None  # the `catalog` extra or `el --catalog`, resolved


@dataclass(frozen=True)
class RunCatalog:
    """The catalog for one run, where it came from, and the rule warnings to log."""

    outcome: RulesOutcome
    origin: str  # "custom", "cache" or "discovery"


def catalog_for_run(
    request: CatalogRequest, *, cache: CatalogCache, discover: Callable[[], str]
) -> RunCatalog | None:
    """Find the catalog and apply the rules; None when the tap has no way to get one."""
    if request.custom_catalog is not None:
        catalog = read_catalog(request.custom_catalog)
        origin = "custom"
    elif not can_discover(request.capabilities):
        return None
    else:
        source = CatalogSource.discovery(request.plugin_name)
        usable = may_use_cache(
            key=request.cache_key,
            use_cached_catalog=request.use_cached_catalog,
            refresh=request.refresh,
        )
        cached = cache.lookup(request.cache_key, source) if usable else None
        if cached is not None:
            catalog, origin = cached, "cache"
        else:
            catalog, origin = parse_catalog(discover(), source), "discovery"
            cache.store(catalog, request.cache_key)
    if not applies_rules(request.capabilities):
        return RunCatalog(RulesOutcome(catalog, ()), origin)
    outcome = apply_rules(catalog, request.rules, custom_catalog=origin == "custom")
    return RunCatalog(outcome, origin)
