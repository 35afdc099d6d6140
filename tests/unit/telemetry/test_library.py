"""Events go through `snowplow-tracker`, which is loaded only when an event is to be sent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from meltano.core.telemetry.tracker import track_command
from tests.unit.telemetry.test_collector import Collector, collector, project, run_command  # noqa: F401

PROBE = """
import json, sys
from pathlib import Path
from meltano.core.project.project import Project
from meltano.core.telemetry.tracker import track_command
with track_command(Project(Path({root!r}), environ={environ!r}), "run"):
    pass
print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))
"""


def probe(root: Path, environ: dict[str, str]) -> tuple[set[str], str]:
    """The top-level modules loaded by one tracked command in a fresh process, and its stderr."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(root=str(root), environ=environ)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1])), result.stderr


def test_events_are_the_library_s_tracker_protocol(project_dir: Path, collector: Collector) -> None:
    run_command(project(project_dir, collector, MELTANO_SEND_ANONYMOUS_USAGE_STATS="true"))
    body = collector.bodies[0]
    assert body["schema"].endswith("/payload_data/jsonschema/1-0-4")
    item = body["data"][0]
    assert item["tv"].startswith("py-") and item["e"] == "ue"
    assert (item["aid"], item["tna"], item["p"]) == ("meltano", "meltano", "srv")


@pytest.mark.parametrize(
    "opt_out",
    [
        {"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"},
        {"DO_NOT_TRACK": "1", "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "true"},
        {"MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS": "[]", "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "1"},
    ],
)
def test_the_library_is_not_loaded_when_nothing_is_sent(project_dir: Path, opt_out) -> None:
    loaded, _ = probe(project_dir, opt_out)
    assert "snowplow_tracker" not in loaded
    assert "meltano" in loaded  # the probe did run


def test_the_library_is_loaded_to_send_and_writes_nothing_to_stderr(project_dir: Path) -> None:
    environ = {
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "true",
        "MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS": '["http://127.0.0.1:9"]',  # refuses connections
    }
    loaded, stderr = probe(project_dir, environ)
    assert "snowplow_tracker" in loaded
    assert stderr == ""


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_do_not_load_the_library(args: list[str]) -> None:
    code = (
        "import sys\nfrom meltano.cli.main import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print('snowplow_tracker' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stderr.strip().splitlines()[-1] == "False"


def test_the_started_event_leaves_while_the_command_still_runs(
    project_dir: Path, collector: Collector
) -> None:
    import time

    subject = project(project_dir, collector, MELTANO_SEND_ANONYMOUS_USAGE_STATS="true")
    with track_command(subject, "run"):
        deadline = time.monotonic() + 10
        while not collector.events() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [data["event"] for _, data in collector.events()] == ["started"]
    assert [name for name, _ in collector.events()] == ["cli_event", "cli_event", "exit_event"]
