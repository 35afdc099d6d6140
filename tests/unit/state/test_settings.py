from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.project.project import Project
from meltano.core.state.settings import StateBackendSettings, state_backend_settings


def test_defaults(project_dir: Path) -> None:
    assert state_backend_settings(Project(project_dir, environ={})) == StateBackendSettings()


def test_environment_variables_and_meltano_yml(project_dir: Path) -> None:
    meltano_yml = project_dir / "meltano.yml"
    meltano_yml.write_text(
        meltano_yml.read_text()
        + "state_backend:\n  uri: s3://bucket/prefix\n  s3:\n    endpoint_url: http://yml\n"
    )
    environ = {
        "MELTANO_STATE_BACKEND_LOCK_TIMEOUT_SECONDS": "3",
        "MELTANO_STATE_BACKEND_LOCK_RETRY_SECONDS": "0",
        "MELTANO_STATE_BACKEND_S3_AWS_ACCESS_KEY_ID": "id",
    }
    settings = state_backend_settings(Project(project_dir, environ=environ))
    assert settings.uri == "s3://bucket/prefix"
    assert (settings.lock_timeout_seconds, settings.lock_retry_seconds) == (3, 0)
    assert settings.option("s3.endpoint_url") == "http://yml"
    assert settings.option("s3.aws_access_key_id") == "id"
    assert settings.option("gcs.application_credentials_json") is None


def test_a_bad_number_is_a_user_error(project_dir: Path) -> None:
    environ = {"MELTANO_STATE_BACKEND_LOCK_RETRY_SECONDS": "-1"}
    with pytest.raises(MeltanoError):
        state_backend_settings(Project(project_dir, environ=environ))
