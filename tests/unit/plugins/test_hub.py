"""The Hub client against the fixture server: fetching, headers, cache, errors."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from meltano.core.plugins.hub import (
    HubClient,
    HubError,
    PluginNotFoundError,
    VariantNotFoundError,
    api_root_for,
    hub_client_for,
    list_plugins,
)
from meltano.core.project.project import Project
from tests.fixtures.hub.server import HubServer, serve_hub


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with serve_hub() as server:
        yield server


def client_for(hub: HubServer, tmp_path: Path, **options: object) -> HubClient:
    return HubClient(
        api_root=hub.api_root, cache_dir=tmp_path / "cache", backoff_seconds=0, **options
    )  # type: ignore[arg-type]


def test_api_root_prefers_hub_api_root_then_hub_url() -> None:
    assert api_root_for(hub_api_root="http://x/api/", hub_url="http://y") == "http://x/api"
    assert api_root_for(hub_api_root=None, hub_url="http://y/") == "http://y/meltano/api/v1"
    assert api_root_for(hub_api_root=None, hub_url=None) == "https://hub.meltano.com/meltano/api/v1"


def test_definition_follows_the_index_ref_and_marks_the_default(
    hub: HubServer, tmp_path: Path
) -> None:
    client = client_for(hub, tmp_path)
    default = client.definition("loaders", "target-jsonl")
    other = client.definition("extractors", "tap-github", "singer-io")
    assert (default.name, default.variant, default.pip_url) == (
        "target-jsonl",
        "andyh1203",
        "target-jsonl",
    )
    assert default.is_default_variant and not other.is_default_variant
    assert hub.paths()[-1] == "/meltano/api/v1/plugins/extractors/tap-github--singer-io"


@pytest.mark.parametrize("variant", [None, "default", "original"])
def test_default_and_original_mean_the_index_default(
    hub: HubServer, tmp_path: Path, variant: str | None
) -> None:
    definition = client_for(hub, tmp_path).definition("extractors", "tap-github", variant)
    assert definition.variant == "meltanolabs"


def test_headers_name_the_command_and_carry_auth_and_project_id(
    hub: HubServer, tmp_path: Path
) -> None:
    client = client_for(hub, tmp_path, command="meltano add", auth="Bearer x", project_id="p-1")
    client.index("loaders")
    headers = hub.requests[-1][1]
    assert headers["user-agent"].startswith("Meltano/")
    assert headers["accept"] == "application/json"
    assert headers["x-meltano-command"] == "meltano add"
    assert headers["authorization"] == "Bearer x"
    assert headers["x-project-id"] == "p-1"


def test_no_project_id_or_authorization_unless_given(hub: HubServer, tmp_path: Path) -> None:
    client_for(hub, tmp_path).index("loaders")
    headers = hub.requests[-1][1]
    assert "x-project-id" not in headers and "authorization" not in headers


def test_index_is_cached_for_an_hour_unless_refreshed(hub: HubServer, tmp_path: Path) -> None:
    client = client_for(hub, tmp_path)
    client.index("loaders")
    client.index("loaders")
    assert len(hub.requests) == 1
    url = f"{hub.api_root}/plugins/loaders/index"
    cache_file = tmp_path / "cache" / f"{hashlib.sha256(url.encode()).hexdigest()}.json"
    assert cache_file.is_file()
    client.index("loaders", refresh=True)
    assert len(hub.requests) == 2
    two_hours_ago = cache_file.stat().st_mtime - 7200
    os.utime(cache_file, (two_hours_ago, two_hours_ago))
    client_for(hub, tmp_path).index("loaders")
    assert len(hub.requests) == 3


def test_definitions_are_fetched_fresh_by_default(hub: HubServer, tmp_path: Path) -> None:
    client = client_for(hub, tmp_path)
    client.definition("loaders", "target-jsonl")
    client.definition("loaders", "target-jsonl")
    assert hub.paths().count("/meltano/api/v1/plugins/loaders/index") == 2


def test_unreachable_hub_names_the_url(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = HubClient(api_root=f"http://127.0.0.1:{port}/api", timeout=2)
    with pytest.raises(HubError) as caught:
        client.index("extractors")
    assert caught.value.reason.startswith(
        f"Could not connect to Meltano Hub at http://127.0.0.1:{port}/api/plugins/extractors/index: "
    )


def test_unknown_plugin_suggests_close_names(hub: HubServer, tmp_path: Path) -> None:
    with pytest.raises(PluginNotFoundError) as caught:
        client_for(hub, tmp_path).definition("extractors", "tap-githb")
    assert caught.value.reason == "Extractor 'tap-githb' is not known to Meltano"
    assert "Did you mean 'tap-github'" in (caught.value.instruction or "")


def test_unknown_variant_lists_the_known_ones(hub: HubServer, tmp_path: Path) -> None:
    with pytest.raises(VariantNotFoundError) as caught:
        client_for(hub, tmp_path).definition("extractors", "tap-github", "nope")
    assert caught.value.reason == (
        "Extractor 'tap-github' variant 'nope' is not known to Meltano. "
        "Variants: airbyte, meltanolabs (default), singer-io"
    )


def test_missing_definition_is_a_hub_error(hub: HubServer, tmp_path: Path) -> None:
    with pytest.raises(HubError, match=r"\(404\): could not retrieve plugin 'tap-github'"):
        client_for(hub, tmp_path).definition("extractors", "tap-github", "airbyte")


def test_401_without_auth_explains_hub_url_auth(hub: HubServer, tmp_path: Path) -> None:
    hub.statuses["/meltano/api/v1/plugins/loaders/index"] = [401]
    with pytest.raises(HubError) as caught:
        client_for(hub, tmp_path).index("loaders")
    assert caught.value.reason == "Fixture says no"  # the server's `message`
    assert "hub_url_auth" in (caught.value.instruction or "")


def test_401_with_auth_says_the_credentials_were_refused(hub: HubServer, tmp_path: Path) -> None:
    hub.statuses["/meltano/api/v1/plugins/loaders/index"] = [401]
    with pytest.raises(HubError, match="refused the credentials in `hub_url_auth`"):
        client_for(hub, tmp_path, auth="Bearer bad").index("loaders")


def test_server_errors_are_retried(hub: HubServer, tmp_path: Path) -> None:
    hub.statuses["/meltano/api/v1/plugins/loaders/index"] = [503, 502]
    assert "target-jsonl" in client_for(hub, tmp_path).index("loaders")
    assert len(hub.requests) == 3


def test_server_errors_give_up_after_the_retries(hub: HubServer, tmp_path: Path) -> None:
    hub.statuses["/meltano/api/v1/plugins/loaders/index"] = [500] * 4
    with pytest.raises(HubError, match=r"\(500\): could not retrieve plugins of type 'loaders'"):
        client_for(hub, tmp_path).index("loaders")
    assert len(hub.requests) == 4


def test_unknown_type_index_is_a_clear_error(hub: HubServer, tmp_path: Path) -> None:
    with pytest.raises(HubError, match="Plugin type 'mappings' is not available"):
        client_for(hub, tmp_path).index("mappings")


def test_list_plugins_filters_by_name_or_variant_and_counts_hidden(
    hub: HubServer, tmp_path: Path
) -> None:
    client = client_for(hub, tmp_path)
    rows, hidden = list_plugins(client, ("extractors",), pattern="GIT")
    assert [(r.name, r.variant) for r in rows] == [
        ("tap-github", "meltanolabs"),
        ("tap-gitlab", "meltanolabs"),
    ]
    assert hidden == 5
    rows, hidden = list_plugins(client, ("extractors",), pattern="singer", all_variants=True)
    assert [(r.name, r.variant, r.default) for r in rows] == [
        ("tap-github", "singer-io", False),
        ("tap-gitlab", "singer-io", False),
    ]
    assert hidden == 0
    rows, _ = list_plugins(client, ("extractors",), pattern="tap-github", all_variants=True)
    assert [r.variant for r in rows] == ["meltanolabs", "airbyte", "singer-io"]


def test_hub_client_for_reads_project_settings(project_dir: Path, hub: HubServer) -> None:
    environ = {
        "MELTANO_HUB_API_ROOT": hub.api_root,
        "MELTANO_HUB_URL_AUTH": "Token t",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "true",
        "XDG_CACHE_HOME": "/nowhere",
    }
    client = hub_client_for(Project(project_dir, environ=environ), "add")
    assert client.api_root == hub.api_root
    assert client.auth == "Token t"
    assert client.command == "meltano add"
    assert client.project_id  # `meltano init` wrote one, and stats are on
    assert client.cache_dir == Path("/nowhere/meltano/hub")


def test_hub_client_for_sends_no_project_id_when_stats_are_off(project_dir: Path) -> None:
    environ = {"MELTANO_HUB_URL": "http://hub.example", "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "0"}
    client = hub_client_for(Project(project_dir, environ=environ), "meltano hub list")
    assert client.api_root == "http://hub.example/meltano/api/v1"
    assert client.project_id is None and client.auth is None
