from __future__ import annotations

import sys
import types

import click
import pytest

from meltano.cli import root
from meltano.cli.main import main
from meltano.core.errors import ExitCode


@pytest.fixture
def boom_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register a command that fails with a bug, the way a real defect would."""
    module = types.ModuleType("boom_command_module")

    @click.command("boom")
    def command() -> None:
        raise ZeroDivisionError("division by zero in a test command")

    module.command = command  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "boom_command_module", module)
    monkeypatch.setitem(root.COMMANDS, "boom", ("boom_command_module", "Fail on purpose."))


def test_bug_prints_one_line_and_hint(
    boom_command: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--log-level", "info", "boom"])
    assert exit_info.value.code == ExitCode.FAILED
    err = capsys.readouterr().err
    assert "Error: unexpected ZeroDivisionError: division by zero in a test command" in err
    assert "--log-level=debug" in err
    assert "Traceback" not in err


def test_bug_at_debug_shows_traceback(
    boom_command: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["--log-level", "debug", "boom"])
    assert "Traceback" in capsys.readouterr().err


def test_fast_version_matches_click(capsys: pytest.CaptureFixture[str]) -> None:
    from click.testing import CliRunner

    main(["--version"])
    fast = capsys.readouterr().out
    assert fast == CliRunner().invoke(root.cli, ["--version"]).stdout
