"""Large catalogs through the CLI: one discovery kept across commands, one-line catalogs.

tests/plugins/tap_streams.py prints a Singer SDK-style catalog of N streams and logs each
`--discover`, so these tests count discoveries. (Its speed is the benchmark's business:
`uv run nox -s bench -- --only catalogs`.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meltano.core.catalog.codec import encode
from meltano.core.catalog.rules import CatalogRules, apply_rules
from tests.plugins import tap_streams

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
SELECT = ["stream_*[02468].*", "stream_*[13579].id", "!*.field_05"]
METADATA = {"*": {"replication-method": "FULL_TABLE", "field_01": {"is-pii": True}}}


@pytest.fixture
def streams_project(project_dir: Path) -> Path:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + f"""
auto_install: false
plugins:
  extractors:
  - name: tap-streams
    namespace: tap_streams
    pip_url: tap-streams  # makes the discovery cacheable; never installed (auto_install)
    executable: {PLUGINS / "tap_streams.py"}
    capabilities: [discover, catalog, state]
    settings:
    - {{name: streams, kind: integer}}
    - {{name: compact, kind: boolean}}
    - {{name: discover_log, kind: string}}
    config:
      streams: 60
      discover_log: $MELTANO_PROJECT_ROOT/discoveries.log
    select: {json.dumps(SELECT)}
    metadata: {json.dumps(METADATA)}
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {PLUGINS / "target_jsonl.py"}
    config:
      path: $MELTANO_PROJECT_ROOT/output.jsonl
"""
    )
    return project_dir


def discoveries(project: Path) -> int:
    log = project / "discoveries.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def expected_dump(streams: int) -> str:
    """What `invoke --dump=catalog` prints: the rules' result as `json.dumps(indent=2)`."""
    catalog = json.loads(tap_streams.catalog_text(streams, tap_streams.PROPERTIES))
    shaped = apply_rules(catalog, CatalogRules(select=SELECT, metadata=METADATA)).catalog
    assert encode(shaped) == json.dumps(shaped, indent=2)
    return json.dumps(shaped, indent=2) + "\n"


def test_one_discovery_serves_every_command(invoke, streams_project: Path) -> None:
    listed = invoke("select", "tap-streams", "--list")
    assert listed.exit_code == 0, listed.stderr
    assert "\t[selected   ] stream_00000.field_00" in listed.stdout
    assert "stream_00001.field_00" not in listed.stdout
    for _ in range(2):  # a dump used to leave no cached catalog behind
        dumped = invoke("invoke", "--dump=catalog", "tap-streams")
        assert dumped.exit_code == 0, dumped.stderr
        assert dumped.stdout == expected_dump(60)
    assert invoke("select", "tap-streams", "--list").stdout == listed.stdout
    ran = invoke("run", "tap-streams", "target-jsonl")
    assert ran.exit_code == 0, ran.stderr
    el = invoke("el", "tap-streams", "target-jsonl", "--dump=catalog", "--state-id", "x")
    assert el.exit_code == 0, el.stderr
    assert el.stdout == expected_dump(60)
    assert discoveries(streams_project) == 1
    cache = streams_project / ".meltano" / "run" / "tap-streams"
    # The cache holds what the tap printed, and no run's catalog file is left beside it.
    assert (cache / "tap.properties.json").read_text() == tap_streams.catalog_text(
        60, tap_streams.PROPERTIES
    )
    assert sorted(path.name for path in cache.iterdir()) == [
        "tap.properties.cache_key",
        "tap.properties.json",
    ]


def test_refresh_and_changed_rules_rediscover(invoke, streams_project: Path) -> None:
    invoke("select", "tap-streams", "--list")
    invoke("select", "tap-streams", "--list", "--refresh-catalog")
    assert discoveries(streams_project) == 2
    assert invoke("select", "tap-streams", "stream_00001", "field_02").exit_code == 0
    listed = invoke("select", "tap-streams", "--list")
    assert "\t[selected   ] stream_00001.field_02" in listed.stdout
    assert discoveries(streams_project) == 2  # `select` is applied to the cached discovery
    invoke("config", "set", "tap-streams", "streams", "61")
    listed = invoke("select", "tap-streams", "--list")
    assert "stream_00060.id" in listed.stdout
    assert discoveries(streams_project) == 3  # a setting changed: the cache key did


def test_a_catalog_on_one_line_longer_than_the_buffer(invoke, streams_project: Path) -> None:
    # About 700 KB on one line, against a 64 KiB line limit for what plugins print.
    invoke("config", "set", "tap-streams", "compact", "true")
    invoke("config", "set", "meltano", "elt.buffer_size", "65536")
    dumped = invoke("invoke", "--dump=catalog", "tap-streams")
    assert dumped.exit_code == 0, dumped.stderr
    assert dumped.stdout == expected_dump(60)


def test_invalid_discovery_keeps_the_cache(invoke, streams_project: Path) -> None:
    invoke("select", "tap-streams", "--list")
    cache = streams_project / ".meltano" / "run" / "tap-streams" / "tap.properties.json"
    before = cache.read_bytes()
    broken = streams_project / "broken_tap.sh"
    broken.write_text('#!/bin/sh\necho "INFO starting"\necho \'{"streams": []}\'\n')
    broken.chmod(0o755)
    path = streams_project / "meltano.yml"
    path.write_text(path.read_text().replace(str(PLUGINS / "tap_streams.py"), str(broken)))
    result = invoke("select", "tap-streams", "--list", "--refresh-catalog")
    assert result.exit_code != 0
    assert "the catalog discovered by tap-streams is not valid JSON at line 1" in result.stderr
    assert "Traceback" not in result.output
    assert cache.read_bytes() == before
    assert [p.name for p in cache.parent.iterdir() if p.name.startswith(".")] == []
