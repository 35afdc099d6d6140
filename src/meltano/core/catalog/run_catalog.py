"""The catalog one run of an extractor gets: custom file, cache, or discovery, then the rules.

The process is not ours to start: the caller passes `discover`, a function that runs
`<tap> --config F --discover` (see `prepare.discover`) with its standard output
going into the file it is given, raising `DiscoveryFailedError` when the tap fails.

The cache holds what the tap discovered, before any rule, and only a successful, valid discovery
replaces it: a failing tap or an invalid document leaves the previous cache as it was. Runs never
write the rules' result into the cache; they write it to a file of their own (`output`), so runs
of one tap with different rules cannot disturb each other.

The catalog is read, shaped and written one stream at a time (`streaming`), in one pass: the
rows of `meltano select --list` are collected on the way. A file that is not a plain catalog
object is read whole instead, which gives the same result or the same error.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from meltano.core.catalog.cache import CatalogCache, may_use_cache
from meltano.core.catalog.discovery import applies_rules, can_discover
from meltano.core.catalog.document import (
    CatalogSource,
    InvalidCatalogError,
    open_atomically,
    read_catalog,
    temporary_beside,
)
from meltano.core.catalog.listing import SelectionRow, sort_rows, stream_rows
from meltano.core.catalog.metadata import Catalog
from meltano.core.catalog.rules import CatalogRules, CompiledRules
from meltano.core.catalog.streaming import (
    CatalogWriter,
    Item,
    Unstreamable,
    document_items,
    read_items,
)


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
class Wanted:
    """What the caller needs from the catalog after the rules."""

    output: Path | None = None  # write it here (atomically), as `json.dumps(indent=2)` would
    rows: bool = False  # collect the rows of `meltano select --list`
    show_all: bool = True  # with `rows`: excluded and unsupported rows too


@dataclass(frozen=True)
class RunCatalog:
    """Where the run's catalog came from, what was made of it, and the warnings to log."""

    origin: str  # "custom", "cache" or "discovery"
    warnings: tuple[str, ...]
    output: Path | None  # the file written, when one was wanted
    rows: tuple[SelectionRow, ...] = ()  # sorted, when they were wanted


Discover = Callable[[Path], None]


def catalog_for_run(
    request: CatalogRequest, *, cache: CatalogCache, discover: Discover, wanted: Wanted
) -> RunCatalog | None:
    """Find the catalog and apply the rules; None when the tap has no way to get one."""
    if request.custom_catalog is not None:
        path = request.custom_catalog
        return _shape(request, wanted, "custom", path, CatalogSource.file(str(path)))
    if not can_discover(request.capabilities):
        return None
    source = CatalogSource.discovery(request.plugin_name)
    usable = may_use_cache(
        key=request.cache_key,
        use_cached_catalog=request.use_cached_catalog,
        refresh=request.refresh,
    )
    handle = cache.open(request.cache_key) if usable else None
    if handle is not None:
        try:
            cached = _shape(request, wanted, "cache", cache.catalog_path, source, handle=handle)
        except InvalidCatalogError:
            cached = None  # a damaged cache is a miss: discovery will replace it
        if cached is not None and cache.is_current(request.cache_key):
            return cached
    discovered = temporary_beside(cache.catalog_path, ".discovered")
    try:
        discover(discovered)
        return _shape(request, wanted, "discovery", discovered, source, cache=cache)
    finally:
        discovered.unlink(missing_ok=True)  # gone already if it went into the cache


def _shape(
    request: CatalogRequest,
    wanted: Wanted,
    origin: str,
    path: Path,
    source: CatalogSource,
    *,
    handle: IO[str] | None = None,
    cache: CatalogCache | None = None,
) -> RunCatalog:
    """One pass over the catalog at `path` (or `handle`): rules, rows, output; then a
    discovery goes into `cache`.

    What cannot be streamed is read whole, with the errors reading always gave (and a
    discovery's invalid UTF-8 replaced, as before).
    """
    custom = origin == "custom"
    applies = applies_rules(request.capabilities)
    whole: Catalog | None = None
    try:
        if handle is None:
            handle = path.open(encoding="utf-8")
    except OSError:
        handle = None  # `read_catalog` below says what is wrong with the file
    try:
        if handle is None:
            raise Unstreamable
        with handle:
            compiled = CompiledRules(request.rules, custom_catalog=custom) if applies else None
            rows = _consume(read_items(handle), compiled, wanted)
    except Unstreamable:
        whole = read_catalog(path, source, errors="replace" if origin == "discovery" else "strict")
        compiled = CompiledRules(request.rules, custom_catalog=custom) if applies else None
        rows = _consume(document_items(whole), compiled, wanted)
    if cache is not None:
        if whole is None:
            cache.store_file(path, request.cache_key)
        else:
            cache.store(whole, request.cache_key)
    warnings = compiled.warnings() if compiled is not None else ()
    listed = tuple(sort_rows(rows)) if wanted.rows else ()
    return RunCatalog(origin, warnings, wanted.output, listed)


def _consume(
    items: Iterator[Item], compiled: CompiledRules | None, wanted: Wanted
) -> list[SelectionRow]:
    """Shape each stream, collect its rows and write it; return the rows."""
    rows: list[SelectionRow] = []
    with _output(wanted.output) as writer, _without_cycle_collection():
        for item in items:
            if isinstance(item, dict):
                known = compiled.shape(item) if compiled is not None else None
                if wanted.rows:
                    rows.extend(stream_rows(item, show_all=wanted.show_all, known=known))
            if writer is not None:
                writer.write(item)
        if writer is not None:
            writer.close()
    return rows


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: decoded JSON holds no cycles, and the collector would
    walk every container of the catalog (and the rows) again and again, which costs as much
    as decoding them (bench: catalogs)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[CatalogWriter | None]:
    if path is None:
        yield None
        return
    with open_atomically(path) as handle:
        yield CatalogWriter(handle)
