from __future__ import annotations

import stat
import webbrowser
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from meltano.cli.root import cli

Invoke = Callable[..., Result]


def test_dragon_prints_art_outside_a_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["dragon"], catch_exceptions=False)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) >= 5


@pytest.fixture
def recording_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A BROWSER command that writes the URL it is given into a file."""
    record = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("BROWSER", str(script))
    # webbrowser reads BROWSER once per process and caches its choice
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    return record


def test_docs_opens_the_site_and_prints_the_url(
    recording_browser: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["docs"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "https://docs.meltano.com" in result.stdout
    assert "No web browser" not in result.stdout
    assert recording_browser.read_text() == "https://docs.meltano.com/\n"


def test_docs_without_a_browser_still_prints_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BROWSER", str(tmp_path / "no-such-browser"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    result = CliRunner().invoke(cli, ["docs"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "https://docs.meltano.com" in result.stdout
    assert "No web browser was found" in result.stdout
