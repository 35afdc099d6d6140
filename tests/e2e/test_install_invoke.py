"""Install a local plugin package into its own venv, then invoke it (auto-install included)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode

PACKAGE = Path(__file__).resolve().parents[1] / "fixtures" / "packages" / "hello-plugin"


@pytest.fixture
def project(project_dir: Path) -> Path:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + f"""
plugins:
  utilities:
  - name: hello
    namespace: hello
    pip_url: {PACKAGE}
    executable: hello-plugin
  - name: hello-child
    inherit_from: hello
  - name: no-pip
    namespace: no_pip
    executable: echo
"""
    )
    return project_dir


def test_install_then_invoke(invoke, project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = invoke("install")
    assert result.exit_code == 0, result.output
    venv = project / ".meltano" / "utilities" / "hello" / "venv"
    assert (venv / "bin" / "hello-plugin").exists()
    fingerprint = (venv / ".meltano_plugin_fingerprint").read_text()
    assert fingerprint == hashlib.sha256(str(PACKAGE).encode()).hexdigest()
    assert not (project / ".meltano" / "utilities" / "hello-child").exists()
    capfd.readouterr()
    assert invoke("invoke", "hello-child", "x").exit_code == 0
    assert capfd.readouterr().out == "hello from hello-plugin x\n"


def test_invoke_installs_automatically(
    invoke, project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert invoke("invoke", "hello", "a").exit_code == 0
    assert "hello from hello-plugin a" in capfd.readouterr().out


def test_no_install_and_auto_install_false(invoke, project: Path) -> None:
    result = invoke("invoke", "--no-install", "hello")
    assert result.exit_code == ExitCode.FAILED
    assert "Executable 'hello-plugin' could not be found" in result.stderr
    result = invoke("invoke", "hello", env={"MELTANO_AUTO_INSTALL": "false"})
    assert result.exit_code == ExitCode.FAILED
    assert not (project / ".meltano" / "utilities" / "hello" / "venv").exists()


def test_only_install(invoke, project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert invoke("invoke", "--only-install", "hello").exit_code == 0
    assert "hello from" not in capfd.readouterr().out
    assert (project / ".meltano" / "utilities" / "hello" / "venv" / "bin" / "hello-plugin").exists()


def test_failed_install_is_clear(invoke, project: Path) -> None:
    path = project / "meltano.yml"
    path.write_text(path.read_text().replace(f"pip_url: {PACKAGE}", "pip_url: /no/such/package"))
    result = invoke("install", "hello")
    assert result.exit_code == ExitCode.FAILED
    assert "Failed to install 1 of 1 plugins: hello" in result.stderr
    assert "Traceback" not in result.output


def test_install_schedule_only(invoke, project: Path) -> None:
    path = project / "meltano.yml"
    path.write_text(
        path.read_text()
        + """
jobs:
- name: greet
  tasks:
  - hello
schedules:
- name: daily-greet
  interval: '@daily'
  job: greet
"""
    )
    result = invoke("install", "--schedule", "daily-greet")
    assert result.exit_code == 0, result.output
    assert (project / ".meltano" / "utilities" / "hello" / "venv").exists()
    unknown = invoke("install", "--schedule", "nope")
    assert unknown.exit_code == 1


def test_second_install_skips_up_to_date_plugins(invoke, project: Path) -> None:
    assert invoke("install").exit_code == 0
    bin_dir = project / ".meltano" / "utilities" / "hello" / "venv" / "bin"
    before = (bin_dir / "hello-plugin").stat().st_mtime_ns
    again = invoke("install")
    assert again.exit_code == 0
    assert "already installed" in again.stderr
    assert (bin_dir / "hello-plugin").stat().st_mtime_ns == before
    assert invoke("install", "--clean", "hello").exit_code == 0
    assert (bin_dir / "hello-plugin").stat().st_mtime_ns != before


def test_print_var_needs_no_install(invoke, project: Path) -> None:
    result = invoke("invoke", "--no-install", "--print-var", "MELTANO_UTILITY_NAME", "hello")
    assert result.stdout.splitlines() == ["MELTANO_UTILITY_NAME=hello"]
    assert result.exit_code == ExitCode.FAILED  # then the missing executable, as before
    assert not (project / ".meltano" / "utilities" / "hello" / "venv").exists()


def test_an_active_environment_does_not_reinstall(invoke, project: Path) -> None:
    """`pip_url` is expanded the same way whatever environment is active, so a plugin
    installed by `meltano install` is up to date for `--environment prod invoke`."""
    path = project / "meltano.yml"
    text = path.read_text().replace(f"pip_url: {PACKAGE}", "pip_url: $HELLO_PACKAGE")
    text = text.replace("- name: prod", f"- name: prod\n  env:\n    HELLO_PACKAGE: {PACKAGE}/.")
    path.write_text(text + f"env:\n  HELLO_PACKAGE: {PACKAGE}\n")
    assert invoke("install").exit_code == 0
    fingerprint = (
        project / ".meltano" / "utilities" / "hello" / "venv" / ".meltano_plugin_fingerprint"
    )
    before = fingerprint.stat().st_mtime_ns
    result = invoke("--environment", "prod", "invoke", "hello", "x")
    assert result.exit_code == 0, result.output
    assert "installing" not in result.stderr
    assert fingerprint.stat().st_mtime_ns == before


def test_add_with_a_failing_install_shows_the_installers_last_lines(
    invoke, project_dir: Path, tmp_path: Path
) -> None:
    not_a_package = tmp_path / "not-a-package"
    not_a_package.mkdir()
    ref = tmp_path / "broken.yml"
    ref.write_text(
        f"name: broken\nnamespace: broken\npip_url: {not_a_package}\nexecutable: broken\n"
    )
    result = invoke("add", "--plugin-type", "utility", "broken", "--from-ref", str(ref))
    assert result.exit_code == ExitCode.FAILED
    assert "Installation failed" in result.stderr
    said = result.stderr.split("The installer said:\n", 1)
    assert len(said) == 2, result.stderr  # the installer's own words, as `meltano install`
    assert str(not_a_package) in said[1] or "not-a-package" in said[1]
    assert "The plugin stays in meltano.yml" in said[1]
    assert "Traceback" not in result.output
