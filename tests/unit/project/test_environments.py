from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.project import environments
from meltano.core.project.environments import Origin, Policy, Selection
from meltano.core.project.project import Project


def make(project_dir: Path, environ: dict[str, str] | None = None) -> Project:
    return Project(project_dir, environ=environ or {})


def test_default_environment_is_selected(project_dir: Path) -> None:
    selection = environments.select(make(project_dir), option=None, no_environment=False)
    assert selection == Selection("dev", Origin.DEFAULT)


def test_precedence_option_env_dotenv_default(project_dir: Path) -> None:
    (project_dir / ".env").write_text("MELTANO_ENVIRONMENT=staging\n")
    project = make(project_dir, {"MELTANO_ENVIRONMENT": "prod"})
    assert environments.select(project, option="qa", no_environment=False).name == "qa"
    assert environments.select(project, option=None, no_environment=False).name == "prod"
    assert environments.select(make(project_dir), option=None, no_environment=False) == Selection(
        "staging", Origin.DOTENV
    )


def test_no_environment_and_null(project_dir: Path) -> None:
    assert environments.select(make(project_dir), option=None, no_environment=True).name is None
    assert environments.select(make(project_dir), option="NULL", no_environment=False).name is None


def test_policies() -> None:
    default = Selection("dev", Origin.DEFAULT)
    explicit = Selection("dev", Origin.OPTION)
    assert environments.apply_policy(default, Policy.IGNORE_DEFAULT).name is None
    assert environments.apply_policy(explicit, Policy.IGNORE_DEFAULT).name == "dev"
    assert environments.apply_policy(default, Policy.UNUSED).name is None
    assert environments.apply_policy(explicit, Policy.UNUSED).name == "dev"
    assert environments.apply_policy(default, Policy.NEVER).name is None
    assert environments.apply_policy(default, Policy.USE_DEFAULT).name == "dev"
    with pytest.raises(environments.EnvironmentRequiredError):
        environments.apply_policy(Selection(None, None), Policy.REQUIRED)
