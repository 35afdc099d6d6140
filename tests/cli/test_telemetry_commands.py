"""Commands report started/completed events to the configured collector, and only then."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from tests.unit.telemetry.test_collector import Collector
from tests.unit.telemetry.test_collector import collector as local_collector  # noqa: F401 - fixture


def turn_stats_on(project_dir: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text().replace(
            "send_anonymous_usage_stats: false", "send_anonymous_usage_stats: true"
        )
    )
    monkeypatch.delenv("DO_NOT_TRACK")
    monkeypatch.setenv("MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS", f'["{url}"]')


def wait_for(collector: Collector, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(collector.events()) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_command_sends_started_and_completed(
    invoke, project_dir: Path, local_collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    turn_stats_on(project_dir, local_collector.url, monkeypatch)
    assert invoke("environment", "list").exit_code == 0
    wait_for(local_collector, 2)
    events = [data for _, data in local_collector.events()]
    assert any("started" in str(e) for e in events)
    assert any("completed" in str(e) for e in events)


def test_do_not_track_sends_nothing(
    invoke, project_dir: Path, local_collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    turn_stats_on(project_dir, local_collector.url, monkeypatch)
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    assert invoke("environment", "list").exit_code == 0
    time.sleep(0.5)
    assert local_collector.events() == []


def test_no_event_carries_a_name_or_value_the_user_typed(
    invoke, project_dir: Path, local_collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    turn_stats_on(project_dir, local_collector.url, monkeypatch)
    monkeypatch.setenv("MELTANO_PROJECT_ID", "zz-secret-project")
    monkeypatch.setenv("MELTANO_CLIENT_ID", "zz-secret-client")
    invoke("--environment", "prod", "environment", "add", "zz-secret-env")
    invoke("state", "get", "zz-secret-state")
    invoke("state", "list", "--pattern", "zz-secret-*")
    wait_for(local_collector, 9)
    sent = json.dumps(local_collector.bodies)
    typed = ["zz-secret", "prod", str(project_dir)]
    for text in [*typed, *(hashlib.sha256(t.encode()).hexdigest() for t in typed)]:
        assert text not in sent
    contexts = [
        c["data"]
        for body in local_collector.bodies
        for item in body["data"]
        for c in json.loads(item["co"])["data"]
    ]
    commands = {(c["command"], c["sub_command"]) for c in contexts if "command" in c}
    assert commands == {("environment", "add"), ("state", "get"), ("state", "list")}
    assert {"pattern"} in [set(c["option_keys"]) for c in contexts if "option_keys" in c]
    projects = [c for c in contexts if "project_uuid" in c]
    assert projects and all(c["project_uuid"] is None for c in projects)
    assert all(c["environment_name_hash"] is None for c in projects)
