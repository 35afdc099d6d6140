"""Which values of a run are secrets: sensitive settings from every store, and `.env` values."""

from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.plugins.project_plugin import find_plugin
from meltano.core.project.project import Project
from meltano.core.settings.plugin_settings import plugin_settings
from meltano.core.settings.secrets import MASK, run_secrets, setting_secrets
from meltano.core.settings.subject import MASK as CONFIG_PRINT_MASK

MELTANO_YML = """
plugins:
  extractors:
  - name: tap-x
    namespace: tap_x
    executable: tap-x
    settings:
    - {name: password, kind: password}
    - {name: token, sensitive: true}
    - {name: keys, kind: object, sensitive: true}
    - {name: user}
    config:
      password: yml-password
      user: plain-user
      keys: {a: key-a-value, b: [key-b-value, 7]}
  - name: tap-child
    inherit_from: tap-x
"""


@pytest.fixture
def project(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    (project_dir / "meltano.yml").write_text(
        (project_dir / "meltano.yml").read_text() + MELTANO_YML
    )
    (project_dir / ".env").write_text("TAP_X_TOKEN=dotenv-token\nOTHER=dotenv-other\nFLAG=yes\n")
    monkeypatch.chdir(project_dir)
    return Project(project_dir)


def test_sensitive_values_from_every_store_are_secrets(project: Project) -> None:
    plugin = find_plugin(project, "tap-x")
    secrets = setting_secrets(plugin_settings(project, plugin))
    assert secrets == {"yml-password", "dotenv-token", "key-a-value", "key-b-value", "7"}


def test_an_inherited_secret_is_a_secret_of_the_child(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAP_CHILD_TOKEN", "child-env-token")
    project = Project(project.root)  # sees the variable
    child = find_plugin(project, "tap-child")
    assert {"yml-password", "child-env-token"} <= setting_secrets(plugin_settings(project, child))


def test_the_secrets_of_a_run_include_every_dotenv_value(project: Project) -> None:
    settings = plugin_settings(project, find_plugin(project, "tap-x"))
    secrets = run_secrets(project, [settings])
    assert {"dotenv-token", "dotenv-other", "yes", "yml-password"} <= secrets
    assert "plain-user" not in secrets  # not sensitive, not in .env
    # "yes" is collected here; the redactor leaves plain words alone (test_redact.py)


def test_one_mask_for_secrets() -> None:
    assert MASK == CONFIG_PRINT_MASK == "*****"
