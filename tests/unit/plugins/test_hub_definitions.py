"""Project plugins whose definition comes from a lock file, or from the Hub when none exists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from meltano.core.plugins.hub import HubError
from meltano.core.plugins.lockfile import locked_or_fetched
from meltano.core.plugins.project_plugin import find_plugin
from meltano.core.plugins.types import PluginType
from meltano.core.project.project import Project
from tests.fixtures.hub.server import HubServer, serve_hub

HUB = Path(__file__).parents[2] / "fixtures" / "hub"
TARGET_JSONL = """\
plugins:
  loaders:
  - name: target-jsonl
    variant: andyh1203
    pip_url: target-jsonl
"""


@pytest.fixture
def hub() -> Iterator[HubServer]:
    with serve_hub() as server:
        yield server


def project(project_dir: Path, api_root: str, **extra: str) -> Project:
    return Project(
        project_dir,
        environ={
            "MELTANO_HUB_API_ROOT": api_root,
            "XDG_CACHE_HOME": str(project_dir / "cache"),
            **extra,
        },
    )


def test_missing_lock_is_fetched_and_written(
    project_dir: Path, hub: HubServer, write_meltano_yml: Callable[[str], Path]
) -> None:
    write_meltano_yml(TARGET_JSONL)
    plugin = find_plugin(
        project(project_dir, hub.api_root), "target-jsonl", definitions=locked_or_fetched("config")
    )
    assert "destination_path" in [s.name for s in plugin.settings]
    lock = project_dir / "plugins" / "loaders" / "target-jsonl--andyh1203.lock"
    assert lock.read_text() == (HUB / "locks" / "target-jsonl--andyh1203.lock").read_text()
    assert hub.requests[-1][1]["x-meltano-command"] == "meltano config"


def test_an_existing_lock_never_contacts_the_hub(
    project_dir: Path, write_meltano_yml: Callable[[str], Path]
) -> None:
    write_meltano_yml(TARGET_JSONL)
    lock = project_dir / "plugins" / "loaders" / "target-jsonl--andyh1203.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text((HUB / "locks" / "target-jsonl--andyh1203.lock").read_text())
    plugin = find_plugin(
        project(project_dir, "http://127.0.0.1:9/unreachable"),
        "target-jsonl",
        definitions=locked_or_fetched("run"),
    )
    assert plugin.variant == "andyh1203"


def test_a_plugin_the_hub_does_not_know_gives_none(project_dir: Path, hub: HubServer) -> None:
    source = locked_or_fetched("config")
    assert (
        source(project(project_dir, hub.api_root), PluginType.LOADERS, "target-nope", None) is None
    )


def test_an_unreachable_hub_is_an_error_not_a_missing_plugin(project_dir: Path) -> None:
    source = locked_or_fetched("config")
    with pytest.raises(HubError, match="Could not connect to Meltano Hub"):
        source(
            project(project_dir, "http://127.0.0.1:9/unreachable"),
            PluginType.LOADERS,
            "target-jsonl",
            "andyh1203",
        )


def test_a_read_only_project_gets_the_definition_without_a_lock_file(
    project_dir: Path, hub: HubServer
) -> None:
    source = locked_or_fetched("config")
    found = source(
        project(project_dir, hub.api_root, MELTANO_PROJECT_READONLY="true"),
        PluginType.LOADERS,
        "target-jsonl",
        None,
    )
    assert found is not None and found["variant"] == "andyh1203"
    assert not (project_dir / "plugins").exists()


MIXED = """\
plugins:
  extractors:
  - name: tap-github
    variant: singer-io
  - name: tap-custom
    namespace: tap_custom
  - name: tap-github-2
    inherit_from: tap-github
"""


def test_lock_plugin_writes_updates_and_skips(
    project_dir: Path, hub: HubServer, write_meltano_yml: Callable[[str], Path]
) -> None:
    from meltano.core.plugins.hub import HubClient
    from meltano.core.plugins.lockfile import LockStatus, lock_plugin
    from meltano.core.plugins.project_plugin import project_plugins

    write_meltano_yml(MIXED)
    lock = project_dir / "plugins" / "extractors" / "tap-github--singer-io.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("{}")  # stale on purpose
    proj = project(project_dir, hub.api_root)
    client = HubClient(api_root=hub.api_root)
    plugins = {p.name: p for p in project_plugins(proj, definitions=lambda *_: None)}

    kept = lock_plugin(project_dir, plugins["tap-github"], client)
    assert (kept.status, kept.path) == (LockStatus.EXISTS, lock)
    assert lock.read_text() == "{}"
    updated = lock_plugin(project_dir, plugins["tap-github"], client, update=True)
    assert updated.status is LockStatus.LOCKED
    assert lock.read_text() == (HUB / "locks" / "tap-github--singer-io.lock").read_text()
    assert lock_plugin(project_dir, plugins["tap-custom"], client).status is LockStatus.CUSTOM
    assert lock_plugin(project_dir, plugins["tap-github-2"], client).status is LockStatus.INHERITED
