"""Catalog validation, atomic writes, and the discovery cache."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from meltano.core.catalog.cache import CatalogCache, cache_key, may_use_cache
from meltano.core.catalog.document import (
    CatalogSource,
    InvalidCatalogError,
    dump_catalog,
    parse_catalog,
    read_catalog,
    write_catalog,
)
from meltano.core.errors import MeltanoError

DISCOVERY = CatalogSource.discovery("tap-github")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty"),
        ("INFO starting\n{}", "is not valid JSON at line 1, column 1"),
        ('{"streams": [}', "is not valid JSON at line 1, column 14"),
        ("[1, 2]", "is a JSON list, not an object with a `streams` list"),
        ("null", "is empty, not an object with a `streams` list"),
        ('{"type": "SCHEMA"}', "has no `streams` list"),
        ('{"streams": {}}', "has a `streams` that is not a list"),
        ('{"streams": [1]}', "has a stream #1 that is not an object"),
        ('{"streams": [{"tap_stream_id": "a", "metadata": {}}]}', "`metadata` of stream 'a'"),
    ],
)
def test_invalid_catalogs_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(InvalidCatalogError) as caught:
        parse_catalog(text, DISCOVERY)
    assert isinstance(caught.value, MeltanoError)
    assert caught.value.reason.startswith("Invalid catalog: the catalog discovered by tap-github ")
    assert problem in caught.value.reason
    assert "tap-github --discover" in (caught.value.instruction or "")


def test_valid_catalog_is_returned_as_is() -> None:
    text = '{"streams": [{"tap_stream_id": "a", "schema": {}}], "extra": 1}'
    assert parse_catalog(text, DISCOVERY) == json.loads(text)


def test_catalog_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "catalog.json"
    with pytest.raises(InvalidCatalogError, match=r"catalog file .*catalog\.json does not exist"):
        read_catalog(missing)
    missing.write_text("{")
    with pytest.raises(InvalidCatalogError) as caught:
        read_catalog(missing, CatalogSource.file("extract/catalog.json"))
    assert "Check extract/catalog.json" in (caught.value.instruction or "")


def test_write_catalog_is_indented_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "run" / "tap.properties.json"
    write_catalog(path, {"streams": []})
    assert path.read_text() == dump_catalog({"streams": []}) == '{\n  "streams": []\n}'
    assert [p.name for p in path.parent.iterdir()] == ["tap.properties.json"]


def test_concurrent_writers_never_show_a_partial_catalog(tmp_path: Path) -> None:
    path = tmp_path / "tap.properties.json"
    catalogs = [
        {"streams": [{"tap_stream_id": f"s{writer}", "schema": {"description": "x" * 200_000}}]}
        for writer in range(2)
    ]
    write_catalog(path, catalogs[0])
    stop = threading.Event()
    seen: list[object] = []

    def write(catalog: dict[str, object]) -> None:
        while not stop.is_set():
            write_catalog(path, catalog)

    writers = [threading.Thread(target=write, args=(catalog,)) for catalog in catalogs]
    for thread in writers:
        thread.start()
    try:
        for _ in range(200):
            seen.append(read_catalog(path))  # raises on a torn file
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=10)
    assert all(catalog in catalogs for catalog in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tap.properties.json"]


def test_cache_key_matches_4_4_1() -> None:
    # Captured from 4.4.1: settings user, token (password), port (default 5432), nested.inner,
    # with `metadata: {users: {replication-key: updated_at}}` and a `schema` extra.
    key = cache_key(
        {"user": "bob", "token": None, "port": 5432, "nested.inner": "deep", "_select": ["x"]},
        schema_extra={"users": {"extra_col": {"type": "string"}}},
        metadata_extra={"users": {"replication-key": "updated_at"}},
        pip_url="fake-tap-x==1.0",
    )
    assert key == "7859331140ed72b2536676fbeb2a837aa713a237"


def test_cache_key_changes_with_settings_and_extras() -> None:
    def key(settings: dict[str, object], metadata: object = None) -> str | None:
        return cache_key(settings, schema_extra={}, metadata_extra=metadata or {}, pip_url="tap-x")

    assert key({"a": 1}) == key({"a": 1})
    assert len({key({"a": 1}), key({"a": 2}), key({"a": 1}, {"s": {"k": 1}})}) == 3


@pytest.mark.parametrize("pip_url", [None, "", "-e ./tap-x", "  -e git+https://x/tap"])
def test_local_and_editable_taps_are_not_cached(pip_url: str | None) -> None:
    assert cache_key({}, schema_extra={}, metadata_extra={}, pip_url=pip_url) is None


def test_custom_catalog_is_not_cached() -> None:
    key = cache_key({}, schema_extra={}, metadata_extra={}, pip_url="tap-x", custom_catalog=True)
    assert key is None


def test_may_use_cache() -> None:
    assert may_use_cache(key="k", use_cached_catalog=True, refresh=False)
    assert not may_use_cache(key="k", use_cached_catalog=True, refresh=True)
    assert not may_use_cache(key="k", use_cached_catalog=False, refresh=False)
    assert not may_use_cache(key=None, use_cached_catalog=True, refresh=False)


def cached(cache: CatalogCache, key: str) -> object:
    """What a run would read from the cache under `key` (None: a miss)."""
    handle = cache.open(key)
    if handle is None:
        return None
    with handle:
        return json.loads(handle.read())


def test_cache_round_trip(tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path)
    catalog = {"streams": [{"tap_stream_id": "a"}]}
    assert cached(cache, "k1") is None
    cache.store(catalog, "k1")
    assert cached(cache, "k1") == catalog
    assert cache.is_current("k1")
    assert cached(cache, "k2") is None  # settings changed
    assert cache.key_path.read_text() == "k1"


def test_store_file_moves_a_discovery_in(tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path)
    cache.store({"streams": []}, "k1")
    discovered = tmp_path / "found.json"
    discovered.write_text('{"streams": [{"tap_stream_id": "b"}]}')
    cache.store_file(discovered, "k2")
    assert not discovered.exists()
    assert cached(cache, "k2") == {"streams": [{"tap_stream_id": "b"}]}
    assert not cache.is_current("k1")


def test_cache_invalidate_and_uncacheable_store(tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path)
    cache.store({"streams": []}, "k1")
    cache.invalidate()
    assert cached(cache, "k1") is None
    cache.store({"streams": []}, "k1")
    cache.store({"streams": []}, None)  # a local tap: the old key must not survive
    assert cache.stored_key() is None
    assert cache.catalog_path.exists()


def test_missing_cache_file_is_a_miss(tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path)
    cache.store({"streams": []}, "k1")
    cache.catalog_path.unlink()
    assert cache.open("k1") is None
