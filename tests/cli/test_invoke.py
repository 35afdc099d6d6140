from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def project(project_dir: Path) -> Path:
    path = project_dir / "meltano.yml"
    path.write_text(
        path.read_text()
        + f"""
env:
  NAME: bob
plugins:
  extractors:
  - name: tap-counter
    namespace: tap_counter
    executable: {PLUGINS / "tap_counter.py"}
    capabilities: [state, catalog, discover]
    settings:
    - {{name: records, kind: integer}}
    - {{name: password, kind: password}}
    config:
      records: 2
      password: s3cret
  utilities:
  - name: util
    namespace: util
    executable: sh
    commands:
      hello:
        args: -c "echo greet $NAME"
        description: say hello
      fail: -c "exit 3"
      unset: -c "echo $NOPE"
  - name: local-script
    namespace: local_script
    executable: ./bin/script.sh
"""
    )
    script = project_dir / "bin" / "script.sh"
    script.parent.mkdir()
    script.write_text('#!/bin/sh\necho "args: $*"\necho "root: $MELTANO_PROJECT_ROOT"\n')
    script.chmod(0o755)
    return project_dir


def test_runs_tap_with_config(invoke, project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = invoke("invoke", "tap-counter")
    assert result.exit_code == 0
    out = capfd.readouterr().out
    records = [json.loads(line) for line in out.splitlines() if '"RECORD"' in line]
    assert [r["record"]["id"] for r in records] == [1, 2]
    assert list((project / ".meltano" / "run").rglob("*.config.json")) == []
    assert list((project / ".meltano" / "run" / "runs").iterdir()) == []  # its private dir too


def test_run_dir_is_private(invoke, project: Path) -> None:
    invoke("invoke", "tap-counter")
    run_dir = project / ".meltano" / "run" / "tap-counter"
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o700


def test_command_with_variable(invoke, project: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert invoke("invoke", "util:hello").exit_code == 0
    assert capfd.readouterr().out == "greet bob\n"


def test_exit_code_passes_through(invoke, project: Path) -> None:
    assert invoke("invoke", "util:fail").exit_code == 3


def test_unset_variable_in_command(invoke, project: Path) -> None:
    result = invoke("invoke", "util:unset")
    assert result.exit_code == ExitCode.FAILED
    assert "referenced unset environment variable '$NOPE'" in result.stderr


def test_unknown_command_lists_known(invoke, project: Path) -> None:
    result = invoke("invoke", "util:nope")
    assert result.exit_code == ExitCode.FAILED
    assert "supports the following commands: fail, hello, unset" in result.stderr


def test_list_commands(invoke, project: Path) -> None:
    assert invoke("invoke", "--list-commands", "util").stdout.splitlines()[0] == (
        "util:hello  say hello"
    )
    assert invoke("invoke", "--list-commands", "tap-counter").stdout == (
        "Plugin 'tap-counter' does not define any commands.\n"
    )


def test_project_relative_executable_and_passthrough_args(
    invoke, project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert invoke("invoke", "local-script", "--flag", "x").exit_code == 0
    out = capfd.readouterr().out
    assert "args: --flag x" in out
    assert f"root: {project}" in out


def test_print_var_and_dump_config_prints_the_file_the_plugin_gets(invoke, project: Path) -> None:
    result = invoke(
        "invoke",
        "--print-var",
        "MELTANO_EXTRACTOR_NAME",
        "--print-var",
        "UNSET_X",
        "--dump",
        "config",
        "tap-counter",
    )
    lines = result.stdout.splitlines()
    assert lines[:2] == ["MELTANO_EXTRACTOR_NAME=tap-counter", "UNSET_X=None"]
    # secrets included, as 4.4.1 does: people pipe this into `tap --config`
    assert json.loads("\n".join(lines[2:])) == {"records": 2, "password": "s3cret"}
    assert "holds secret values in plain text" in result.stderr
    assert "s3cret" not in result.stderr


def test_dump_config_without_secrets_does_not_warn(invoke, project: Path) -> None:
    (project / ".env").write_text("TAP_COUNTER_PASSWORD=\n")
    result = invoke("invoke", "--dump", "config", "tap-counter")
    assert json.loads(result.stdout) == {"records": 2, "password": ""}
    assert "secret" not in result.stderr


def test_unknown_plugin(invoke, project: Path) -> None:
    result = invoke("invoke", "nope")
    assert result.exit_code == ExitCode.FAILED
    assert "Plugin 'nope' is not known" in result.stderr


def test_missing_executable(invoke, project: Path, project_dir: Path) -> None:
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text().replace("executable: sh", "executable: no-such-binary-x"))
    result = invoke("invoke", "util:hello")
    assert result.exit_code == ExitCode.FAILED
    assert "Executable 'no-such-binary-x' could not be found" in result.stderr


def test_plugins_get_the_job_trigger(invoke, project: Path) -> None:
    printed = invoke("invoke", "--print-var", "MELTANO_JOB_TRIGGER", "util:hello")
    assert printed.stdout.splitlines()[0] == "MELTANO_JOB_TRIGGER=cli"
    scheduled = invoke(
        "invoke", "--print-var", "MELTANO_JOB_TRIGGER", "util:hello",
        env={"MELTANO_JOB_TRIGGER": "schedule"},
    )  # fmt: skip
    assert scheduled.stdout.splitlines()[0] == "MELTANO_JOB_TRIGGER=schedule"
