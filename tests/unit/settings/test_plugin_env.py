"""The env a plugin process gets, and how `env:` blocks stack (settings.md §9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from meltano.core.plugins.project_plugin import find_plugin
from meltano.core.project.project import Project
from meltano.core.settings.plugin_env import plugin_process_env
from meltano.core.settings.plugin_settings import plugin_settings
from meltano.core.settings.resolve import Source

YML = """
env:
  STACKED: ${STACKED}2
  TOP: top
plugins:
  extractors:
  - name: tap-x
    namespace: tap_x
    settings:
    - {name: port, kind: integer, value: 5432}
    - {name: password, sensitive: true}
    config:
      path: $MELTANO_PROJECT_ROOT/out
    env:
      STACKED: ${STACKED}4
      PLUG: plug-$TOP
environments:
- name: prod
  env:
    STACKED: ${STACKED}3
  config:
    plugins:
      extractors:
      - name: tap-x
        config: {port: 6000}
        env:
          STACKED: ${STACKED}5
"""


def _project(project_dir: Path, environment: str | None, **environ: str) -> Project:
    (project_dir / "meltano.yml").write_text(YML)
    project = Project(project_dir, environ=environ)
    project.environment = environment
    return project


def test_env_blocks_stack_along_the_documented_chain(project_dir: Path) -> None:
    with_env = plugin_process_env(*_with(project_dir, "prod", STACKED="1"))
    assert with_env["STACKED"] == "12345"
    without = plugin_process_env(*_with(project_dir, None, STACKED="1"))
    assert without["STACKED"] == "124"
    assert without["PLUG"] == "plug-top"


def _with(project_dir: Path, environment: str | None, **environ: str) -> tuple[Project, object]:
    project = _project(project_dir, environment, **environ)
    return project, find_plugin(project, "tap-x")


def test_process_env_has_settings_extras_identity_and_project_vars(project_dir: Path) -> None:
    project, plugin = _with(project_dir, "prod", TAP_X_PASSWORD="pw")
    env = plugin_process_env(project, plugin)  # type: ignore[arg-type]
    assert env["TAP_X_PORT"] == env["MELTANO_EXTRACT_PORT"] == "6000"
    assert env["TAP_X_PASSWORD"] == "pw"
    assert env["TAP_X__SELECT"] == '["*.*"]'
    assert env["MELTANO_EXTRACTOR_NAME"] == "tap-x"
    assert env["MELTANO_EXTRACTOR_NAMESPACE"] == "tap_x"
    assert env["MELTANO_EXTRACTOR_VARIANT"] == "default"
    assert env["MELTANO_PROJECT_ROOT"] == str(project_dir)
    assert env["MELTANO_ENVIRONMENT"] == "prod"
    assert env["MELTANO_STATE_BACKEND_URI"] == "systemdb"
    assert env["TAP_X_PATH"] == f"{project_dir}/out"
    assert env["TAP_X__LOAD_SCHEMA"] == "tap_x"


def test_environment_config_overrides_root_config(project_dir: Path) -> None:
    project, plugin = _with(project_dir, "prod")
    settings = plugin_settings(project, plugin)  # type: ignore[arg-type]
    assert settings.values["port"].source is Source.ENVIRONMENT
    assert settings.config()["port"] == 6000
    project, plugin = _with(project_dir, None)
    assert plugin_settings(project, plugin).config()["port"] == 5432  # type: ignore[arg-type]


def test_yml_env_counts_as_environment_for_settings(project_dir: Path) -> None:
    (project_dir / "meltano.yml").write_text(YML.replace("TOP: top", "TAP_X_PORT: '77'"))
    project = Project(project_dir, environ={})
    settings = plugin_settings(project, find_plugin(project, "tap-x"))
    assert (settings.value("port"), settings.values["port"].source) == (77, Source.ENV)


def test_negated_env_alias_inverts_a_boolean(project_dir: Path) -> None:
    text = YML.replace(
        "    - {name: password, sensitive: true}",
        "    - {name: password, sensitive: true}\n"
        "    - {name: verify, kind: boolean, value: true, env_aliases: ['!NO_VERIFY', 'VERIFY_IT']}",
    )
    (project_dir / "meltano.yml").write_text(text)
    project = Project(project_dir, environ={"NO_VERIFY": "true"})
    settings = plugin_settings(project, find_plugin(project, "tap-x"))
    assert settings.value("verify") is False
    env = plugin_process_env(project, find_plugin(project, "tap-x"), settings=settings)
    assert env["VERIFY_IT"] == "false" and env["NO_VERIFY"] == "true"  # `!` names are read-only


def test_loader_values_expand_with_the_upstream_extractor_env(project_dir: Path) -> None:
    loaders = (
        "  loaders:\n  - name: target-y\n    namespace: target_y\n"
        "    config: {schema: $MELTANO_EXTRACT__LOAD_SCHEMA}\nenvironments:"
    )
    (project_dir / "meltano.yml").write_text(YML.replace("environments:", loaders))
    project = Project(project_dir, environ={})
    tap_env = plugin_process_env(project, find_plugin(project, "tap-x"))
    upstream = {k: v for k, v in tap_env.items() if k.startswith(("TAP_X", "MELTANO_EXTRACT"))}
    loader = find_plugin(project, "target-y")
    env = plugin_process_env(project, loader, upstream_env=upstream)
    assert env["TARGET_Y_SCHEMA"] == "tap_x"
    assert env["TAP_X_PORT"] == "5432"


def test_pip_url_expands_against_root_and_plugin_env_without_environment(
    project_dir: Path,
) -> None:
    from meltano.core.errors import MeltanoError
    from meltano.core.venvs.plan import expanded_pip_url

    text = YML.replace(
        "    namespace: tap_x\n", "    namespace: tap_x\n    pip_url: pkg==$TOP ${PLUG}\n"
    )
    (project_dir / "meltano.yml").write_text(text)
    project = Project(project_dir, environ={})
    project.environment = "prod"  # its env: blocks do not apply to pip_url
    assert (
        expanded_pip_url(project, find_plugin(project, "tap-x"), strict=True) == "pkg==top plug-top"
    )
    (project_dir / "meltano.yml").write_text(text.replace("${PLUG}", "${PLUG} $NOPE"))
    project = Project(project_dir, environ={})
    with pytest.raises(MeltanoError, match="refers to unset variables: NOPE"):
        expanded_pip_url(project, find_plugin(project, "tap-x"), strict=True)


def test_without_the_terminal_only_our_own_processs_variables_are_left_out(
    project_dir: Path,
) -> None:
    """For a container: PATH and HOME describe this machine, settings still arrive."""
    project, plugin = _with(
        project_dir, None, PATH="/host/bin", HOME="/home/me", STACKED="1", TAP_X_PASSWORD="pw"
    )
    env = plugin_process_env(project, plugin, terminal=False)  # type: ignore[arg-type]
    assert "PATH" not in env and "HOME" not in env
    assert env["TAP_X_PASSWORD"] == "pw"  # a setting read from the terminal is a setting
    assert env["STACKED"] == "124"  # `env:` blocks still expand against the terminal
    assert env["MELTANO_EXTRACTOR_NAME"] == "tap-x"
    assert plugin_process_env(project, plugin)["PATH"] == "/host/bin"  # type: ignore[arg-type]
