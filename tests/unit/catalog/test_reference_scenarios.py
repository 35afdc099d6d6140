"""Our rules and listing against outputs captured from Meltano 4.4.1 (tests/fixtures/catalogs).

Each `expected/<scenario>/` holds the extractor's catalog extras (`scenario.json`) and what
4.4.1 printed for `meltano invoke --dump=catalog` (`dump.json`), `meltano select --list`
(`list.txt`), `--list --all` (`list_all.txt`) and `--json --all` (`json_all.json`), plus its
warnings. See tests/fixtures/catalogs/README.md for how they were captured.
"""

from __future__ import annotations

import json
import lzma
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from meltano.core.catalog.cache import CatalogCache
from meltano.core.catalog.listing import render_json, render_text, selection_rows
from meltano.core.catalog.rules import DEFAULT_SELECT, CatalogRules, apply_rules
from meltano.core.catalog.run_catalog import CatalogRequest, Wanted, catalog_for_run
from tests.plugins import tap_streams

FIXTURES = Path(__file__).parents[2] / "fixtures" / "catalogs"
SCENARIOS = sorted(path.name for path in (FIXTURES / "expected").iterdir())

# 4.4.1 ignores the explicit `<stream>.properties.<prop>.<key>` form of `metadata` keys; we
# apply it (quirk 16). This scenario's expectation is 4.4.1's output plus these keys.
QUIRK_16 = {
    "edge-metadata-explicit": [
        ("users", ["properties", "email"], "explicit", 1),
        ("users", ["properties", "address", "properties", "city"], "deep", 2),
    ]
}


@cache
def source_text(name: str) -> str:
    """A source catalog: a file of sources/, or `tap_streams:N` (that tap's N-stream catalog)."""
    if name.startswith("tap_streams:"):
        return tap_streams.catalog_text(int(name.split(":")[1]), tap_streams.PROPERTIES)
    return (FIXTURES / "sources" / name).read_text()


def load(scenario: str) -> tuple[dict[str, Any], CatalogRules, dict[str, Any]]:
    spec = json.loads((FIXTURES / "expected" / scenario / "scenario.json").read_text())
    extras = spec["extractor"]
    source = extras.get("catalog", spec["catalog"])
    catalog = json.loads(source_text(source))
    rules = CatalogRules(
        select=extras.get("select", DEFAULT_SELECT),
        metadata=extras.get("metadata", {}),
        schema=extras.get("schema", {}),
        select_filter=extras.get("select_filter", []),
    )
    return catalog, rules, spec


def expected(scenario: str, name: str) -> str:
    """A captured output (xz-compressed for the large scenarios)."""
    path = FIXTURES / "expected" / scenario / name
    if not path.exists():
        return lzma.decompress(Path(f"{path}.xz").read_bytes()).decode()
    return path.read_text()


@cache  # the large scenario takes seconds; no test changes what it gets
def run(scenario: str) -> tuple[dict[str, Any], CatalogRules, tuple[str, ...]]:
    catalog, rules, spec = load(scenario)
    if not {"catalog", "properties"} & set(spec["capabilities"]):
        return catalog, rules, ()  # 4.4.1 ignores the rules without these capabilities
    outcome = apply_rules(catalog, rules, custom_catalog="catalog" in spec["extractor"])
    return outcome.catalog, rules, outcome.warnings


def test_fixtures_include_real_singer_sdk_and_singer_python_catalogs() -> None:
    sources = {
        json.loads(path.read_text())["catalog"]
        for path in FIXTURES.glob("expected/*/scenario.json")
    }
    assert {"singer-sdk-tap-stackexchange.json", "singer-python-tap-gitlab.json"} <= sources
    assert len(SCENARIOS) >= 20


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_dumped_catalog_matches_4_4_1(scenario: str) -> None:
    result, _, _ = run(scenario)
    reference = json.loads(expected(scenario, "dump.json"))
    for stream_id, crumbs, key, value in QUIRK_16.get(scenario, []):
        stream = next(s for s in reference["streams"] if s["tap_stream_id"] == stream_id)
        entry = next(e for e in stream["metadata"] if e["breadcrumb"] == crumbs)
        entry["metadata"][key] = value
    assert result == reference
    # Key order is part of the file users see (and diff): compare it too.
    assert json.dumps(result) == json.dumps(reference)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_select_list_matches_4_4_1(scenario: str) -> None:
    result, rules, _ = run(scenario)
    assert render_text(rules.select, selection_rows(result, show_all=False)) == expected(
        scenario, "list.txt"
    )
    assert render_text(rules.select, selection_rows(result, show_all=True)) == expected(
        scenario, "list_all.txt"
    )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_select_json_matches_4_4_1(scenario: str) -> None:
    result, rules, _ = run(scenario)
    rows = selection_rows(result, show_all=True)
    assert render_json(rules.select, rows) == expected(scenario, "json_all.json")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_warnings_match_4_4_1(scenario: str) -> None:
    _, _, warnings = run(scenario)
    if scenario in QUIRK_16:  # 4.4.1 warns that the explicit paths do not exist; they do
        assert warnings == ()
        return
    assert list(warnings) == reference_warnings(scenario)


def reference_warnings(scenario: str) -> list[str]:
    return [
        # 4.4.1 names a nested property by its breadcrumb (`a.properties.b`); we say `a.b`.
        line.replace(".properties.", ".")
        for line in expected(scenario, "warnings.txt").splitlines()
        if line.startswith(("Stream `", "Property `"))
    ]


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("cached", [False, True], ids=["discovered", "cached"])
def test_streamed_catalog_and_listing_match_4_4_1(
    scenario: str, cached: bool, tmp_path: Path
) -> None:
    """The path commands take: discovery (or the cache) read, shaped and written one stream at
    a time, the listing collected on the way; byte for byte what 4.4.1 printed."""
    _, rules, spec = load(scenario)
    custom = spec["extractor"].get("catalog")
    request = CatalogRequest(
        plugin_name="tap-x",
        capabilities=spec["capabilities"],
        rules=rules,
        cache_key="k1",
        custom_catalog=FIXTURES / "sources" / custom if custom else None,
    )

    def discover(destination: Path) -> None:
        destination.write_text(source_text(spec["catalog"]))

    cache = CatalogCache(tmp_path / "cache")
    output = tmp_path / "tap.catalog.json"
    for _ in range(2 if cached else 1):
        result = catalog_for_run(
            request, cache=cache, discover=discover, wanted=Wanted(output=output, rows=True)
        )
    assert result is not None
    assert result.origin == ("custom" if custom else "cache" if cached else "discovery")
    reference = json.loads(expected(scenario, "dump.json"))
    for stream_id, crumbs, key, value in QUIRK_16.get(scenario, []):
        stream = next(s for s in reference["streams"] if s["tap_stream_id"] == stream_id)
        entry = next(e for e in stream["metadata"] if e["breadcrumb"] == crumbs)
        entry["metadata"][key] = value
    # `invoke --dump=catalog` prints this file and a newline, as 4.4.1 prints json.dumps(indent=2)
    assert output.read_text() == json.dumps(reference, indent=2)
    assert render_text(rules.select, result.rows) == expected(scenario, "list_all.txt")
    assert render_json(rules.select, result.rows) == expected(scenario, "json_all.json")
    if scenario not in QUIRK_16:
        assert list(result.warnings) == reference_warnings(scenario)
    listed = catalog_for_run(
        request, cache=cache, discover=discover, wanted=Wanted(rows=True, show_all=False)
    )
    assert listed is not None
    assert render_text(rules.select, listed.rows) == expected(scenario, "list.txt")
