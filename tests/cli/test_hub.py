"""`meltano hub ping` and `meltano hub list` against the fixture Hub."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.conftest import Invoke
from tests.fixtures.hub.server import HubServer, serve_hub


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with serve_hub() as server:
        yield server


@pytest.fixture
def hub_env(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> HubServer:
    monkeypatch.setenv("MELTANO_HUB_API_ROOT", hub.api_root)
    return hub


def test_ping_prints_the_api_root(invoke: Invoke, hub_env: HubServer) -> None:
    result = invoke("hub", "ping")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Successfully connected to the Hub at '{hub_env.api_root}'"
    assert hub_env.requests[0][1]["x-meltano-command"] == "meltano hub ping"


def test_ping_sends_hub_url_auth(
    invoke: Invoke, hub_env: HubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MELTANO_HUB_URL_AUTH", "Bearer x")
    assert invoke("hub", "ping").exit_code == 0
    assert hub_env.requests[0][1]["authorization"] == "Bearer x"


def test_ping_with_the_hub_down_fails_with_the_url(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MELTANO_HUB_URL", f"http://127.0.0.1:{port}")
    result = invoke("hub", "ping")
    assert result.exit_code == ExitCode.FAILED
    assert (
        f"Could not connect to Meltano Hub at http://127.0.0.1:{port}/meltano/api/v1/"
        in result.stderr
    )


def test_list_json_has_the_441_shape(invoke: Invoke, hub_env: HubServer) -> None:
    result = invoke(
        "hub", "list", "--plugin-type", "extractor", "--format", "json", "--all", "github"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"type": "extractor", "name": "tap-github", "variant": "meltanolabs", "default": True},
        {"type": "extractor", "name": "tap-github", "variant": "airbyte", "default": False},
        {"type": "extractor", "name": "tap-github", "variant": "singer-io", "default": False},
    ]


def test_list_defaults_only_across_types_in_order(invoke: Invoke, hub_env: HubServer) -> None:
    result = invoke("hub", "list", "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["type"], r["name"]) for r in rows] == [
        ("extractor", "tap-github"),
        ("extractor", "tap-gitlab"),
        ("loader", "target-csv"),
        ("loader", "target-jsonl"),
        ("transform", "tap-carbon-intensity"),
        ("transform", "tap-gitlab"),
        ("utility", "postgres"),
        ("mapper", "meltano-map-transformer"),
    ]
    assert all(r["default"] for r in rows)


def test_list_text_is_a_table_marking_defaults_with_all(invoke: Invoke, hub_env: HubServer) -> None:
    result = invoke("hub", "list", "--all", "tap-github")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    assert lines[0].split() == ["TYPE", "NAME", "VARIANT"]
    assert lines[2].split() == ["extractor", "tap-github", "meltanolabs", "(default)"]
    assert lines[3] == "airbyte"  # type and name are not repeated


def test_list_uses_the_index_cache_unless_refreshed(invoke: Invoke, hub_env: HubServer) -> None:
    invoke("hub", "list", "--plugin-type", "loader")
    invoke("hub", "list", "--plugin-type", "loader")
    assert hub_env.paths().count("/meltano/api/v1/plugins/loaders/index") == 1
    invoke("hub", "list", "--plugin-type", "loader", "--refresh")
    assert hub_env.paths().count("/meltano/api/v1/plugins/loaders/index") == 2


def test_list_mappings_is_empty_not_an_error(invoke: Invoke, hub_env: HubServer) -> None:
    result = invoke("hub", "list", "--plugin-type", "mapping", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert hub_env.requests == []


def test_list_with_a_type_typo_is_a_clear_error(invoke: Invoke, hub_env: HubServer) -> None:
    result = invoke("hub", "list", "--plugin-type", "extractr")
    assert result.exit_code == ExitCode.FAILED
    assert "Unknown plugin type 'extractr'" in result.stderr


def test_hub_works_outside_a_project(
    hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from meltano.cli.root import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MELTANO_HUB_API_ROOT", hub.api_root)
    result = CliRunner().invoke(
        cli, ["hub", "list", "--plugin-type", "loader", "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert [row["name"] for row in json.loads(result.stdout)] == ["target-csv", "target-jsonl"]
    assert "x-project-id" not in hub.requests[0][1]
