from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.errors import ExitCode


@pytest.fixture
def project(project_dir: Path) -> Path:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + """
plugins:
  utilities:
  - name: util
    namespace: util
    executable: sh
    commands:
      test: -c "echo ok"
      test-fail: -c "echo bad; exit 2"
      other: -c "echo other"
  - name: quiet
    namespace: quiet
    executable: sh
"""
    )
    return project_dir


def test_all_reports_each_and_fails(
    invoke, project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    result = invoke("test", "--all")
    assert result.exit_code == ExitCode.FAILED
    out = result.stdout
    lines = out.splitlines()
    assert [line.split()[-1] for line in lines if line.startswith("util:")] == [
        "success",
        "failure",
    ]
    assert "=== Testing completed with failures. 1 test(s) successful. 1 test(s) failed. ===" in out
    assert "other" not in out
    captured = capfd.readouterr().out
    assert "ok" in captured and "bad" in captured


def test_one_test(invoke, project: Path) -> None:
    result = invoke("test", "util:test")
    assert result.exit_code == 0
    assert (
        "Testing completed successfully. 1 test(s) successful. 0 test(s) failed." in result.stdout
    )


def test_unknown_test(invoke, project: Path) -> None:
    result = invoke("test", "util:nope")
    assert result.exit_code == ExitCode.FAILED
    assert "Plugin util does not have a test named 'nope'" in result.stderr


def test_nothing_selected(invoke, project: Path) -> None:
    result = invoke("test", "quiet")
    assert result.exit_code == 0
    assert "0 test(s) successful. 0 test(s) failed." in result.stdout
