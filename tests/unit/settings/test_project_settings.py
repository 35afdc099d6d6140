"""Meltano's own settings: stores, env names, expansion of defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.logging import LogSettings
from meltano.core.project.project import Project
from meltano.core.settings import get_setting, meltano_settings
from meltano.core.settings.project_settings import log_settings
from meltano.core.settings.resolve import Source


def test_defaults_are_cast_and_expanded(project_dir: Path) -> None:
    project = Project(project_dir, environ={})
    assert get_setting(project, "elt.buffer_size") == 104857600
    assert get_setting(project, "auto_install") is True
    assert get_setting(project, "hub_api_root") is None
    assert get_setting(project, "database_uri") == f"sqlite:///{project_dir}/.meltano/meltano.db"


def test_env_beats_dotenv_beats_meltano_yml(project_dir: Path) -> None:
    with (project_dir / "meltano.yml").open("a") as file:
        file.write("elt:\n  buffer_size: 3000\n")
    project = Project(project_dir, environ={})
    assert meltano_settings(project)["elt.buffer_size"].source is Source.MELTANO_YML
    (project_dir / ".env").write_text("MELTANO_ELT_BUFFER_SIZE=2000\n")
    project = Project(project_dir, environ={})
    assert get_setting(project, "elt.buffer_size") == 2000
    project = Project(project_dir, environ={"MELTANO_ELT_BUFFER_SIZE": "1000"})
    resolved = meltano_settings(project)["elt.buffer_size"]
    assert (resolved.value, resolved.source) == (1000, Source.ENV)
    assert resolved.label() == "from the MELTANO_ELT_BUFFER_SIZE variable in the environment"


def test_database_uri_flag_wins(project_dir: Path) -> None:
    project = Project(project_dir, environ={"MELTANO_DATABASE_URI": "sqlite:///env.db"})
    project.database_uri_override = "sqlite:///flag.db"
    assert get_setting(project, "database_uri") == "sqlite:///flag.db"


def test_state_backend_uri_expands_project_root(project_dir: Path) -> None:
    with (project_dir / "meltano.yml").open("a") as file:
        file.write("state_backend:\n  uri: file://${MELTANO_PROJECT_ROOT}/state\n")
    assert get_setting(Project(project_dir, environ={}), "state_backend.uri") == (
        f"file://{project_dir}/state"
    )


def test_bad_integer_in_env_names_setting_and_kind(project_dir: Path) -> None:
    project = Project(project_dir, environ={"MELTANO_ELT_BUFFER_SIZE": "lots"})
    with pytest.raises(MeltanoError, match=r"'elt.buffer_size' expects an integer"):
        get_setting(project, "elt.buffer_size")


def test_unknown_setting_is_an_error(project_dir: Path) -> None:
    with pytest.raises(MeltanoError, match="Unknown Meltano setting"):
        get_setting(Project(project_dir, environ={}), "no_such_thing")


def test_resolution_is_remembered_until_an_input_changes(project_dir: Path) -> None:
    environ: dict[str, str] = {}
    project = Project(project_dir, environ=environ)
    assert get_setting(project, "elt.buffer_size") == 104857600
    environ["MELTANO_ELT_BUFFER_SIZE"] = "10"
    assert get_setting(project, "elt.buffer_size") == 10
    project.database_uri_override = "sqlite:///flag.db"
    assert get_setting(project, "database_uri") == "sqlite:///flag.db"
    del environ["MELTANO_ELT_BUFFER_SIZE"]
    with (project_dir / "meltano.yml").open("a") as file:
        file.write("elt:\n  buffer_size: 3000\n")
    assert get_setting(project, "elt.buffer_size") == 104857600  # files as last read
    project.refresh()
    assert get_setting(project, "elt.buffer_size") == 3000


def test_log_options_resolve_as_settings_do(project_dir: Path) -> None:
    """Flags, then variables, then `.env` (as 4.4.1 reads it), then meltano.yml, then defaults."""
    none = {"level": None, "log_format": None, "config_file": None}
    project = Project(project_dir, environ={})
    assert log_settings(project, {}, **none) == LogSettings("info", "colored", "logging.yaml")
    with (project_dir / "meltano.yml").open("a") as file:
        file.write("cli:\n  log_level: warning\n  log_format: key-value\n")
    project = Project(project_dir, environ={})
    assert log_settings(project, {}, **none) == LogSettings("warning", "key_value", "logging.yaml")
    (project_dir / ".env").write_text("MELTANO_CLI_LOG_LEVEL=debug\n")
    project = Project(project_dir, environ={})
    assert log_settings(project, {}, **none).level == "debug"
    environ = {"MELTANO_CLI_LOG_LEVEL": "ERROR", "MELTANO_CLI_LOG_CONFIG": "x.yaml"}
    project = Project(project_dir, environ=environ)
    assert log_settings(project, environ, **none) == LogSettings("error", "key_value", "x.yaml")
    flags = {"level": "critical", "log_format": "json", "config_file": "y.yaml"}
    assert log_settings(project, environ, **flags) == LogSettings("critical", "json", "y.yaml")


def test_log_options_outside_a_project_come_from_variables_only() -> None:
    environ = {"MELTANO_CLI_LOG_FORMAT": "json"}
    settings = log_settings(None, environ, level=None, log_format=None, config_file=None)
    assert settings == LogSettings("info", "json", "logging.yaml")
