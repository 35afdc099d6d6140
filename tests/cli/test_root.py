from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from meltano import IMPLEMENTATION_VERSION, __version__
from meltano.cli import root
from meltano.cli.root import cli
from meltano.core.errors import ExitCode


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    first, second = result.stdout.splitlines()
    assert first == f"meltano, version {__version__}"  # what tools parse, as 4.4.1 prints it
    assert second.startswith("implementation: from-scratch reimplementation, version ")
    assert IMPLEMENTATION_VERSION in second


def test_help_lists_only_registered_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:")[1].split()
    for name in root.COMMANDS:
        assert name in listed


def test_no_arguments_prints_help_and_exits_2() -> None:
    result = run()
    assert result.exit_code == ExitCode.USAGE
    assert "Usage:" in result.stdout


def test_unknown_command_suggests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("enviroment", "list")
    assert result.exit_code == ExitCode.USAGE
    assert "Did you mean one of these?" in result.stderr
    assert "    environment" in result.stderr


def test_unknown_option_is_usage_error() -> None:
    result = run("--no-such-option")
    assert result.exit_code == ExitCode.USAGE


def test_underscores_in_options_are_accepted(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--log_level", "disabled", "--log_format=json", "environment", "list")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_outside_a_project_is_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("environment", "list")
    assert result.exit_code == ExitCode.USAGE
    assert "`meltano environment` must be run inside a Meltano project" in result.stderr
    assert "meltano init" in result.stderr
    assert "Traceback" not in result.output


def test_project_found_from_subdirectory_and_cwd(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project_dir / "extract")
    assert run("environment", "list").stdout == "dev\nstaging\nprod\n"
    monkeypatch.chdir(project_dir.parent)
    assert run("--cwd", "project", "environment", "list").stdout == "dev\nstaging\nprod\n"


def test_project_root_variable(
    project_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run("environment", "list", env={"MELTANO_PROJECT_ROOT": str(project_dir)})
    assert result.stdout == "dev\nstaging\nprod\n"
    bad = run("environment", "list", env={"MELTANO_PROJECT_ROOT": str(elsewhere)})
    assert bad.exit_code == ExitCode.FAILED
    assert "has no meltano.yml" in bad.stderr


def test_requires_meltano_mismatch_exits_3(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + "requires_meltano: '>=99'\n")
    result = invoke("environment", "list")
    assert result.exit_code == ExitCode.VERSION_MISMATCH
    assert "this project requires >=99" in result.stderr


def test_requires_meltano_match_runs(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + "requires_meltano: '>=4,<5'\n")
    assert invoke("environment", "list").exit_code == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plugins:\n\textractors: []\n", "meltano.yml:2:"),
        ("plugins:\n  extractorz: []\n", "Did you mean 'extractors'?"),
        ("", "is empty"),
        ("plugins:\n  loaders:\n  - name: a\n    executabel: x\n", "Did you mean 'executable'?"),
    ],
)
def test_broken_meltano_yml_is_one_clear_error(
    invoke,
    write_meltano_yml,
    text: str,  # type: ignore[no-untyped-def]
    expected: str,
) -> None:
    write_meltano_yml(text)
    result = invoke("environment", "list")
    assert result.exit_code == ExitCode.FAILED
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_log_format_json_puts_one_object_per_line(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--log-format", "json", "environment", "list")
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines and all({"event", "level", "timestamp"} <= set(line) for line in lines)
    assert all(not key.startswith("_") for line in lines for key in line)
    assert result.stdout == "dev\nstaging\nprod\n"


def test_log_level_disabled_prints_nothing(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--log-level", "disabled", "environment", "list")
    assert result.stderr == ""


def test_log_settings_from_project_and_env(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = project_dir / "meltano.yml"
    path.write_text(path.read_text() + "cli:\n  log_level: disabled\n")
    assert invoke("environment", "list").stderr == ""
    result = invoke(
        "environment",
        "list",
        env={"MELTANO_CLI_LOG_FORMAT": "json", "MELTANO_CLI_LOG_LEVEL": "info"},
    )
    assert json.loads(result.stderr.splitlines()[0])["level"] == "info"


def test_key_value_and_plain_formats(invoke) -> None:  # type: ignore[no-untyped-def]
    key_value = invoke("--log-format", "key-value", "environment", "list").stderr
    assert key_value.startswith("timestamp='")
    assert "level='info'" in key_value
    plain = invoke("--log-format", "plain", "environment", "list").stderr
    assert plain.splitlines()[0].startswith("Meltano 4.4.1, Python ")


def test_colors(invoke) -> None:  # type: ignore[no-untyped-def]
    assert "\x1b[" in invoke("environment", "list", env={"FORCE_COLOR": "1"}).stderr
    both = invoke("environment", "list", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in both.stderr
    assert "\x1b[" not in invoke("environment", "list").stderr


def test_log_config_file_routes_logs(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    log_file = project_dir / "meltano.log"
    (project_dir / "logging.yaml").write_text(
        "version: 1\n"
        "formatters:\n  json:\n    (): meltano.core.logging.json_formatter\n"
        "handlers:\n  file:\n    class: logging.FileHandler\n    formatter: json\n"
        f"    filename: {log_file}\n"
        "root:\n  level: INFO\n  handlers: [file]\n"
    )
    result = invoke("environment", "list")
    assert result.stderr == ""
    events = [json.loads(line)["event"] for line in log_file.read_text().splitlines()]
    assert any(e.startswith("Meltano 4.4.1, Python") for e in events)


def test_bad_log_config_is_clear(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (project_dir / "bad.yaml").write_text("version: 1\nhandlers:\n  x:\n    class: no.Such\n")
    result = invoke("--log-config", "bad.yaml", "environment", "list")
    assert result.exit_code == ExitCode.FAILED
    assert "bad.yaml is invalid" in result.stderr


LOGGING_YAML = """\
version: 1
disable_existing_loggers: false
formatters:
  default:
    format: "%(message)s"
  structured_plain:
    (): meltano.core.logging.console_log_formatter
    colors: False
  kv:
    (): meltano.core.logging.key_value_formatter
    sort_keys: true
    callsite_parameters: true
  json:
    (): meltano.core.logging.formatters.json_formatter
    preset: google-cloud-logging
handlers:
  kv_file:
    class: logging.FileHandler
    formatter: kv
    filename: {directory}/kv.log
  json_file:
    class: logging.FileHandler
    formatter: json
    filename: {directory}/json.log
  plain_file:
    class: logging.FileHandler
    formatter: default
    filename: {directory}/plain.log
root:
  level: INFO
  handlers: [kv_file, json_file, plain_file]
"""


def test_log_config_formatter_arguments_take_effect(invoke, project_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (project_dir / "logging.yaml").write_text(LOGGING_YAML.format(directory=project_dir))
    assert invoke("environment", "list").exit_code == 0
    lines = (project_dir / "kv.log").read_text().splitlines()
    keys = [pair.split("=")[0] for pair in lines[0].split(" ") if "=" in pair]
    assert keys[:2] == ["event", "func_name"] and keys == sorted(keys)
    assert any("func_name='setup_logging'" in line for line in lines)
    first = json.loads((project_dir / "json.log").read_text().splitlines()[0])
    assert first["severity"] == "INFO" and "message" in first
    plain = (project_dir / "plain.log").read_text()  # a stdlib format, as dagster-meltano's
    assert "'event': 'using logging configuration'" in plain
    assert "callsite" not in plain


def test_log_config_unknown_argument_names_formatter_and_argument(
    invoke, project_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    (project_dir / "logging.yaml").write_text(
        "version: 1\nformatters:\n  kv:\n    (): meltano.core.logging.key_value_formatter\n"
        "    sort_key: false\n"
    )
    result = invoke("environment", "list")
    assert result.exit_code == ExitCode.FAILED
    assert "Formatter 'kv'" in result.stderr
    assert "key_value_formatter has no argument 'sort_key'" in result.stderr
    assert "Its arguments are: sort_keys, key_order, drop_missing" in result.stderr
    assert "Traceback" not in result.stderr
