"""The opt-out switches, analytics.json, and payload shapes (pure or tmp-dir only)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from meltano.core.settings.resolve import Resolved, Source
from meltano.core.telemetry.analytics import sync_analytics
from meltano.core.telemetry.snowplow import valid_endpoints
from meltano.core.telemetry.switch import stats_enabled
from meltano.core.telemetry.tracker import as_uuid

DEFAULT_ON = Resolved(True, Source.DEFAULT)


def settings(send: Resolved = DEFAULT_ON, disable: object = None) -> dict[str, Resolved]:
    return {"send_anonymous_usage_stats": send, "disable_tracking": Resolved(disable, Source.ENV)}


@pytest.mark.parametrize(
    ("values", "environ", "expected"),
    [
        (settings(), {}, True),
        (settings(Resolved(False, Source.MELTANO_YML)), {}, False),
        (settings(Resolved(False, Source.ENV)), {}, False),
        (settings(disable=True), {}, False),
        (settings(Resolved(True, Source.MELTANO_YML), disable=True), {}, True),
        (settings(), {"DO_NOT_TRACK": "1"}, False),
        (settings(Resolved(True, Source.ENV)), {"DO_NOT_TRACK": "true"}, False),
        (settings(), {"DO_NOT_TRACK": ""}, True),
    ],
)
def test_every_opt_out(values, environ, expected) -> None:
    assert stats_enabled(values, environ) is expected


def test_analytics_json_is_created_kept_and_rewritten(tmp_path: Path) -> None:
    first = sync_analytics(tmp_path, project_id="p1", enabled=False)
    stored = json.loads((tmp_path / "analytics.json").read_text())
    assert stored == {
        "client_id": first.analytics.client_id,
        "project_id": "p1",
        "send_anonymous_usage_stats": False,
    }
    assert uuid.UUID(stored["client_id"]).version == 7
    assert not first.changed
    same = sync_analytics(tmp_path, project_id="p1", enabled=False)
    assert same.analytics == first.analytics and not same.changed
    switched = sync_analytics(tmp_path, project_id="p1", enabled=True)
    assert switched.changed and switched.analytics.client_id == first.analytics.client_id
    (tmp_path / "analytics.json").write_text('{"project_id": "p1"}')
    repaired = sync_analytics(tmp_path, project_id="p1", enabled=True, client_id="c-1")
    assert json.loads((tmp_path / "analytics.json").read_text())["client_id"] == "c-1"
    assert repaired.analytics.send_anonymous_usage_stats is True


def test_only_real_uuids_are_sent_as_ids() -> None:
    real = "11111111-2222-3333-4444-555555555555"
    assert as_uuid(real) == real
    assert as_uuid(real.upper()) == real
    assert as_uuid("my project") is None  # a user's own text, not even hashed
    assert as_uuid(None) is None


def test_invalid_endpoints_are_skipped() -> None:
    assert valid_endpoints(["http://127.0.0.1:9/", "ftp://x", "nope", "https://sp.example"]) == [
        "http://127.0.0.1:9",
        "https://sp.example",
    ]
