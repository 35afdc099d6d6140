"""Choosing a run's catalog: custom file, cache, or discovery; failures keep the cache."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from meltano.core.catalog.cache import CatalogCache
from meltano.core.catalog.discovery import DiscoveryFailedError
from meltano.core.catalog.document import InvalidCatalogError, read_catalog, write_catalog
from meltano.core.catalog.rules import CatalogRules
from meltano.core.catalog.run_catalog import CatalogRequest, RunCatalog, catalog_for_run
from tests.unit.catalog.catalogs import selected, users_catalog

CAPABILITIES = ("discover", "catalog", "state")


class Tap:
    """Stands in for the tap process: counts discoveries, prints a given text."""

    def __init__(self, output: str | None = None) -> None:
        self.output = output if output is not None else json.dumps(users_catalog())
        self.runs = 0

    def discover(self) -> str:
        self.runs += 1
        return self.output


def request(**changes: object) -> CatalogRequest:
    fields: dict[str, object] = {
        "plugin_name": "tap-x",
        "capabilities": CAPABILITIES,
        "rules": CatalogRules(select=["users.email"]),
        "cache_key": "k1",
    }
    fields.update(changes)
    return CatalogRequest(**fields)  # type: ignore[arg-type]  # test factory


def run(tmp_path: Path, tap: Tap, **changes: object) -> RunCatalog | None:
    return catalog_for_run(request(**changes), cache=CatalogCache(tmp_path), discover=tap.discover)


def test_discovery_then_cache(tmp_path: Path) -> None:
    tap = Tap()
    first = run(tmp_path, tap)
    second = run(tmp_path, tap)
    assert first is not None and second is not None
    assert (first.origin, second.origin, tap.runs) == ("discovery", "cache", 1)
    assert first.outcome == second.outcome
    assert selected(second.outcome.catalog, "users")["email"] is True
    # The cache keeps what the tap said, not the rules' result.
    assert read_catalog(CatalogCache(tmp_path).catalog_path) == users_catalog()


@pytest.mark.parametrize(
    "changes",
    [
        {"refresh": True},
        {"use_cached_catalog": False},
        {"cache_key": "k2"},  # a setting, `schema` or `metadata` changed
        {"cache_key": None},  # no pip_url, or `-e`
    ],
)
def test_rediscovery(tmp_path: Path, changes: dict[str, object]) -> None:
    tap = Tap()
    run(tmp_path, tap)
    result = run(tmp_path, tap, **changes)
    assert result is not None and result.origin == "discovery"
    assert tap.runs == 2


def test_failed_discovery_keeps_the_cache(tmp_path: Path) -> None:
    run(tmp_path, Tap())
    cache = CatalogCache(tmp_path)
    before = (cache.catalog_path.read_text(), cache.stored_key())

    def failing() -> str:
        raise DiscoveryFailedError("tap-x", 1, "boom")

    with pytest.raises(DiscoveryFailedError):
        catalog_for_run(request(refresh=True), cache=cache, discover=failing)
    with pytest.raises(InvalidCatalogError, match="discovered by tap-x is not valid JSON"):
        run(tmp_path, Tap("INFO hello"), refresh=True)
    assert (cache.catalog_path.read_text(), cache.stored_key()) == before


def test_custom_catalog_skips_discovery_and_rules_but_not_the_filter(tmp_path: Path) -> None:
    custom = tmp_path / "mine.json"
    write_catalog(custom, users_catalog())
    tap = Tap()
    rules = CatalogRules(select=["users.email"], select_filter=["orders"])
    result = run(tmp_path / "run", tap, custom_catalog=custom, rules=rules)
    assert result is not None and result.origin == "custom" and tap.runs == 0
    assert selected(result.outcome.catalog, "users")[""] is False
    assert selected(result.outcome.catalog, "users")["email"] is None  # `select` not applied
    assert not CatalogCache(tmp_path / "run").catalog_path.exists()


def test_without_discover_there_is_no_catalog(tmp_path: Path) -> None:
    tap = Tap()
    assert run(tmp_path, tap, capabilities=("catalog",)) is None
    assert tap.runs == 0


def test_without_catalog_capability_the_rules_are_not_applied(tmp_path: Path) -> None:
    result = run(tmp_path, Tap(), capabilities=("discover",))
    assert result is not None and result.outcome.catalog == users_catalog()


def test_twenty_concurrent_runs_of_one_tap_all_get_a_whole_catalog(tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path / "run" / "tap-x")
    errors: list[BaseException] = []
    results: dict[int, dict[str, object]] = {}

    def one_run(index: int) -> None:
        try:
            rules = CatalogRules(select=["users.email" if index % 2 else "orders.*"])
            result = catalog_for_run(
                request(rules=rules, refresh=index % 3 == 0), cache=cache, discover=Tap().discover
            )
            assert result is not None
            run_file = cache.directory / f"tap.run-{index}.properties.json"
            write_catalog(run_file, result.outcome.catalog)
            results[index] = read_catalog(run_file)
        except BaseException as error:  # collected and re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=one_run, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(results) == 20
    for index, catalog in results.items():
        wanted = ("users", "email") if index % 2 else ("orders", "total")
        assert selected(catalog, wanted[0])[wanted[1]] is True
    assert read_catalog(cache.catalog_path) == users_catalog()
