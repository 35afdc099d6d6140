"""Events reach a local Snowplow collector only when statistics are on."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from meltano.core.project.project import Project
from meltano.core.telemetry.tracker import track_command


class Collector:
    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                collector.paths.append(self.path)
                collector.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def events(self) -> list[tuple[str, dict]]:
        found = []
        for body in self.bodies:
            for item in body["data"]:
                event = json.loads(item["ue_pr"])["data"]
                found.append((event["schema"].split("/")[1], event["data"]))
        return found


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(
        target=server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    thread.join(timeout=5)


def project(root: Path, collector: Collector, **environ: str) -> Project:
    endpoints = json.dumps([collector.url])
    env = {"MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS": endpoints, **environ}
    return Project(root, environ=env)


def run_command(project: Project, *, fail: bool = False) -> None:
    with track_command(project, "run", option_names=["--full-refresh"]):
        if fail:
            raise SystemExit(1)


def test_events_arrive_when_enabled(project_dir: Path, collector: Collector) -> None:
    subject = project(project_dir, collector, MELTANO_SEND_ANONYMOUS_USAGE_STATS="true")
    run_command(subject)
    assert set(collector.paths) == {"/com.snowplowanalytics.snowplow/tp2"}
    events = collector.events()
    assert [name for name, _ in events] == ["cli_event", "cli_event", "exit_event"]
    assert [data.get("event") for _, data in events[:2]] == ["started", "completed"]
    assert events[2][1]["exit_code"] == 0
    contexts = json.loads(collector.bodies[0]["data"][0]["co"])["data"]
    cli = next(c["data"] for c in contexts if "cli_context" in c["schema"])
    assert cli == {"command": "run", "sub_command": None, "option_keys": ["--full-refresh"]}
    assert str(project_dir) not in json.dumps(collector.bodies)
    analytics = json.loads((project_dir / ".meltano" / "analytics.json").read_text())
    assert analytics["send_anonymous_usage_stats"] is True


def test_failure_is_reported_and_still_raised(project_dir: Path, collector: Collector) -> None:
    subject = project(project_dir, collector, MELTANO_SEND_ANONYMOUS_USAGE_STATS="true")
    with pytest.raises(SystemExit):
        run_command(subject, fail=True)
    events = collector.events()
    assert events[1][1]["event"] == "failed" and events[2][1]["exit_code"] == 1


@pytest.mark.parametrize(
    "opt_out",
    [
        {},  # the test project was made with `--no-usage-stats`
        {"MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"},
        {"DO_NOT_TRACK": "1", "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "true"},
        {"MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS": "[]", "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "1"},
    ],
)
def test_nothing_is_sent_under_any_opt_out(project_dir, collector, opt_out) -> None:
    subject = project(project_dir, collector, **opt_out)
    run_command(subject)
    assert collector.bodies == []
    analytics = json.loads((project_dir / ".meltano" / "analytics.json").read_text())
    assert set(analytics) == {"client_id", "project_id", "send_anonymous_usage_stats"}


def test_disable_tracking_opts_out_when_the_switch_is_not_set(
    project_dir: Path, collector: Collector
) -> None:
    meltano_yml = project_dir / "meltano.yml"
    meltano_yml.write_text(meltano_yml.read_text().replace("send_anonymous_usage_stats: false", ""))
    run_command(project(project_dir, collector, MELTANO_DISABLE_TRACKING="true"))
    assert collector.bodies == []
    run_command(project(project_dir, collector))
    assert len(collector.events()) == 3


def test_an_unreachable_collector_does_not_fail_or_block(project_dir: Path) -> None:
    import time

    env = {
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "true",
        "MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS": '["http://127.0.0.1:9", "not a url"]',
    }
    started = time.monotonic()
    with track_command(Project(project_dir, environ=env), "init"):
        pass
    assert time.monotonic() - started < 8


def test_a_collector_that_never_answers_delays_exit_by_one_second_at_most(
    project_dir: Path,
) -> None:
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections into the backlog, never answers
    try:
        port = silent.getsockname()[1]
        env = {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "true",
            "MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS": f'["http://127.0.0.1:{port}"]',
        }
        started = time.monotonic()
        with track_command(Project(project_dir, environ=env), "run"):
            pass
        assert time.monotonic() - started < 2
    finally:
        silent.close()
