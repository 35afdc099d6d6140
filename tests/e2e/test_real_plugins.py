"""Real plugins from the package index, added from the fixture Hub, in real pipelines.

`target-jsonl`, `meltanolabs-target-csv` and `meltano-map-transform` are installed with uv
into their own venvs (the package index is reachable here and in CI), then fed by the stdlib
tap in tests/plugins.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.hub.server import serve_hub

pytestmark = pytest.mark.slow
PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def project(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + f"""
plugins:
  extractors:
  - name: tap-counter
    namespace: tap_counter
    executable: {PLUGINS / "tap_counter.py"}
    capabilities: [state, catalog, discover]
    config:
      records: 20
      state_every: 5
"""
    )
    with serve_hub() as hub:
        monkeypatch.setenv("MELTANO_HUB_API_ROOT", hub.api_root)
        yield project_dir


def add(invoke, *args: str) -> None:
    result = invoke("add", *args)
    assert result.exit_code == 0, result.output


def test_hub_plugins_install_and_run(invoke, project: Path) -> None:
    add(invoke, "target-jsonl")
    add(invoke, "target-csv", "--variant", "meltanolabs")
    add(invoke, "--plugin-type", "mapper", "meltano-map-transformer")
    for venv in ("loaders/target-jsonl", "loaders/target-csv", "mappers/meltano-map-transformer"):
        assert (project / ".meltano" / venv / "venv" / ".meltano_plugin_fingerprint").exists()
    path = project / "meltano.yml"
    path.write_text(
        path.read_text().replace(
            "    pip_url: meltano-map-transform\n",
            """\
    pip_url: meltano-map-transform
    mappings:
    - name: double-ids
      config:
        stream_maps:
          counter:
            label: str(id * 2)
""",
        )
    )
    assert (
        invoke("config", "set", "target-jsonl", "destination_path", "output/jsonl").exit_code == 0
    )
    assert invoke("config", "set", "target-csv", "destination_path", "output/csv").exit_code == 0

    result = invoke("run", "tap-counter", "double-ids", "target-jsonl")
    assert result.exit_code == 0, result.output
    (jsonl,) = (project / "output" / "jsonl").glob("counter*.jsonl")
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [r["label"] for r in records] == [str(2 * i) for i in range(1, 21)]

    result = invoke("run", "tap-counter", "target-csv")
    assert result.exit_code == 0, result.output
    (table,) = (project / "output" / "csv").glob("counter*.csv")
    with table.open() as handle:
        assert [int(row["id"]) for row in csv.DictReader(handle)] == list(range(1, 21))
    state = json.loads(invoke("state", "get", "dev:tap-counter-to-target-csv").stdout)
    assert state["singer_state"]["bookmarks"]["counter"]["id"] == 20

    assert invoke("invoke", "target-jsonl", "--help").exit_code == 0


def test_null_in_stream_maps_reaches_meltano_map_transform(invoke, project: Path) -> None:
    """`stream_maps: {counter: {pad: null}}` drops the field: the null must reach the mapper,
    also for a custom mapper that declares no `stream_maps` setting."""
    path = project / "meltano.yml"
    path.write_text(
        path.read_text().replace("      state_every: 5\n", "      state_every: 5\n      width: 3\n")
        + f"""
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {PLUGINS / "target_jsonl.py"}
    config:
      path: $MELTANO_PROJECT_ROOT/out.jsonl
  mappers:
  - name: map-transform
    namespace: map_transform
    pip_url: meltano-map-transform
    executable: meltano-map-transform
    mappings:
    - name: drop-pad
      config:
        stream_maps:
          counter:
            pad: null
"""
    )
    assert invoke("install", "--plugin-type", "mapper", "map-transform").exit_code == 0
    printed = json.loads(invoke("config", "print", "drop-pad").stdout)
    assert printed == {"stream_maps": {"counter": {"pad": None}}}

    result = invoke("run", "tap-counter", "drop-pad", "target-jsonl")
    assert result.exit_code == 0, result.output
    lines = (project / "out.jsonl").read_text().splitlines()
    records = [json.loads(line)["record"] for line in lines]
    assert records == [{"id": i} for i in range(1, 21)]  # tap-counter sent `pad` with each
