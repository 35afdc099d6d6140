"""Our rules and listing against outputs captured from Meltano 4.4.1 (tests/fixtures/catalogs).

Each `expected/<scenario>/` holds the extractor's catalog extras (`scenario.json`) and what
4.4.1 printed for `meltano invoke --dump=catalog` (`dump.json`), `meltano select --list`
(`list.txt`), `--list --all` (`list_all.txt`) and `--json --all` (`json_all.json`), plus its
warnings. See tests/fixtures/catalogs/README.md for how they were captured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meltano.core.catalog.listing import render_json, render_text, selection_rows
from meltano.core.catalog.rules import DEFAULT_SELECT, CatalogRules, apply_rules

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


def load(scenario: str) -> tuple[dict[str, Any], CatalogRules, dict[str, Any]]:
    spec = json.loads((FIXTURES / "expected" / scenario / "scenario.json").read_text())
    extras = spec["extractor"]
    source = extras.get("catalog", spec["catalog"])
    catalog = json.loads((FIXTURES / "sources" / source).read_text())
    rules = CatalogRules(
        select=extras.get("select", DEFAULT_SELECT),
        metadata=extras.get("metadata", {}),
        schema=extras.get("schema", {}),
        select_filter=extras.get("select_filter", []),
    )
    return catalog, rules, spec


def expected(scenario: str, name: str) -> str:
    return (FIXTURES / "expected" / scenario / name).read_text()


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
    reference = [
        # 4.4.1 names a nested property by its breadcrumb (`a.properties.b`); we say `a.b`.
        line.replace(".properties.", ".")
        for line in expected(scenario, "warnings.txt").splitlines()
        if line.startswith(("Stream `", "Property `"))
    ]
    assert list(warnings) == reference
