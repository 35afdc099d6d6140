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
from meltano.core.catalog.run_catalog import CatalogRequest, RunCatalog, Wanted, catalog_for_run
from tests.unit.catalog.catalogs import selected, users_catalog

CAPABILITIES = ("discover", "catalog", "state")


class Tap:
    """Stands in for the tap process: counts discoveries, prints a given text."""

    def __init__(self, output: str | None = None) -> None:
        self.output = output if output is not None else json.dumps(users_catalog())
        self.runs = 0

    def discover(self, destination: Path) -> None:
        self.runs += 1
        destination.write_text(self.output)


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
    tmp_path.mkdir(parents=True, exist_ok=True)
    wanted = Wanted(output=tmp_path / "run.catalog.json")
    cache = CatalogCache(tmp_path)
    return catalog_for_run(request(**changes), cache=cache, discover=tap.discover, wanted=wanted)


def shaped(result: RunCatalog | None) -> dict[str, object]:
    """The catalog file the run wrote."""
    assert result is not None and result.output is not None
    return read_catalog(result.output)


def test_discovery_then_cache(tmp_path: Path) -> None:
    tap = Tap()
    first = run(tmp_path, tap)
    second = run(tmp_path, tap)
    assert first is not None and second is not None
    assert (first.origin, second.origin, tap.runs) == ("discovery", "cache", 1)
    assert first.warnings == second.warnings
    assert selected(shaped(second), "users")["email"] is True
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

    def failing(destination: Path) -> None:
        destination.write_text('{"streams": [')  # what it printed before it failed
        raise DiscoveryFailedError("tap-x", 1, "boom")

    with pytest.raises(DiscoveryFailedError):
        catalog_for_run(request(refresh=True), cache=cache, discover=failing, wanted=Wanted())
    with pytest.raises(InvalidCatalogError, match="discovered by tap-x is not valid JSON"):
        run(tmp_path, Tap("INFO hello"), refresh=True)
    assert (cache.catalog_path.read_text(), cache.stored_key()) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "run.catalog.json",
        "tap.properties.cache_key",
        "tap.properties.json",
    ]  # no discovery file left behind


def test_custom_catalog_skips_discovery_and_rules_but_not_the_filter(tmp_path: Path) -> None:
    custom = tmp_path / "mine.json"
    write_catalog(custom, users_catalog())
    tap = Tap()
    rules = CatalogRules(select=["users.email"], select_filter=["orders"])
    result = run(tmp_path / "run", tap, custom_catalog=custom, rules=rules)
    assert result is not None and result.origin == "custom" and tap.runs == 0
    assert selected(shaped(result), "users")[""] is False
    assert selected(shaped(result), "users")["email"] is None  # `select` not applied
    assert not CatalogCache(tmp_path / "run").catalog_path.exists()


def test_without_discover_there_is_no_catalog(tmp_path: Path) -> None:
    tap = Tap()
    assert run(tmp_path, tap, capabilities=("catalog",)) is None
    assert tap.runs == 0


def test_without_catalog_capability_the_rules_are_not_applied(tmp_path: Path) -> None:
    result = run(tmp_path, Tap(), capabilities=("discover",))
    assert shaped(result) == users_catalog()


def test_twenty_concurrent_runs_of_one_tap_all_get_a_whole_catalog(tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path / "run" / "tap-x")
    errors: list[BaseException] = []
    results: dict[int, dict[str, object]] = {}

    def one_run(index: int) -> None:
        try:
            rules = CatalogRules(select=["users.email" if index % 2 else "orders.*"])
            run_file = cache.directory / f"tap.run-{index}.properties.json"
            result = catalog_for_run(
                request(rules=rules, refresh=index % 3 == 0),
                cache=cache,
                discover=Tap().discover,
                wanted=Wanted(output=run_file),
            )
            results[index] = shaped(result)
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


def test_what_cannot_be_streamed_gives_what_json_gives(tmp_path: Path) -> None:
    # Duplicate keys: `json` keeps the last `streams`; so does the whole read we fall back to.
    custom = tmp_path / "mine.json"
    custom.write_text(
        '{"streams": [{"tap_stream_id": "old"}], "streams": [{"tap_stream_id": "new"}]}'
    )
    result = run(tmp_path / "run", Tap(), custom_catalog=custom, rules=CatalogRules())
    assert [s["tap_stream_id"] for s in shaped(result)["streams"]] == ["new"]  # type: ignore[index]


def test_bad_files_fail_as_reading_them_whole_does(tmp_path: Path) -> None:
    custom = tmp_path / "mine.json"
    for content in (b"", b'{"streams": [1]}', b'{"streams": []} extra', b'{"s": "\xff"}'):
        custom.write_bytes(content)
        with pytest.raises(InvalidCatalogError) as expected:
            read_catalog(custom)
        with pytest.raises(InvalidCatalogError) as streamed:
            run(tmp_path / "run", Tap(), custom_catalog=custom)
        assert streamed.value.reason == expected.value.reason
    with pytest.raises(InvalidCatalogError, match=r"mine\.json\.missing does not exist"):
        run(tmp_path / "run", Tap(), custom_catalog=tmp_path / "mine.json.missing")


def test_discovered_bytes_that_are_not_utf8_are_replaced_and_cached(tmp_path: Path) -> None:
    catalog = users_catalog()
    catalog["streams"][0]["schema"]["description"] = "BAD"  # becomes a byte that is not UTF-8
    text = json.dumps(catalog)

    class BadTap(Tap):
        def discover(self, destination: Path) -> None:
            self.runs += 1
            destination.write_bytes(text.encode().replace(b"BAD", b"\xff"))

    tap = BadTap()
    first = run(tmp_path, tap)
    second = run(tmp_path, tap)
    assert first is not None and second is not None and tap.runs == 1
    description = shaped(second)["streams"][0]["schema"]["description"]  # type: ignore[index]
    assert description == "\ufffd"
    assert CatalogCache(tmp_path).catalog_path.read_text(encoding="utf-8")  # valid UTF-8 now
