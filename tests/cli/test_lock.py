from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.hub.server import serve_hub

LOCKS = Path(__file__).resolve().parents[1] / "fixtures" / "hub" / "locks"


@pytest.fixture
def project(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + """
plugins:
  extractors:
  - name: tap-github
    variant: meltanolabs
    pip_url: meltanolabs-tap-github
  - name: tap-custom
    namespace: tap_custom
  - name: tap-child
    inherit_from: tap-github
"""
    )
    with serve_hub() as server:
        monkeypatch.setenv("MELTANO_HUB_API_ROOT", server.api_root)
        yield project_dir


def test_lock_writes_missing_and_skips_custom(invoke, project: Path) -> None:
    result = invoke("lock")
    assert result.exit_code == 0, result.output
    lock = project / "plugins" / "extractors" / "tap-github--meltanolabs.lock"
    assert lock.read_text() == (LOCKS / "tap-github--meltanolabs.lock").read_text()
    assert "custom plugin has no Hub definition" in result.stderr
    assert "inheriting plugin uses its parent's lock file" in result.stderr


def test_existing_lock_needs_update(invoke, project: Path) -> None:
    invoke("lock", "tap-github")
    lock = project / "plugins" / "extractors" / "tap-github--meltanolabs.lock"
    lock.write_text("{}")
    result = invoke("lock", "tap-github")
    assert result.exit_code == 0
    assert "pass --update" in result.stderr
    assert lock.read_text() == "{}"
    assert invoke("lock", "--update", "tap-github").exit_code == 0
    assert lock.read_text() == (LOCKS / "tap-github--meltanolabs.lock").read_text()


def test_no_match(invoke, project: Path) -> None:
    result = invoke("lock", "nope")
    assert result.exit_code == 1
    assert "No matching plugin(s) found" in result.stderr


def test_lock_then_offline(invoke, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    invoke("lock")
    monkeypatch.setenv("MELTANO_HUB_API_ROOT", "http://127.0.0.1:9/meltano/api/v1")
    result = invoke("plugin", "list", "--format", "json")
    assert result.exit_code == 0
    assert invoke("config", "print", "tap-github").exit_code == 0
