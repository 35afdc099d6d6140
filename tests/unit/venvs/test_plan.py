"""From project plugins to install requests."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from meltano.core.plugins.project_plugin import project_plugins
from meltano.core.project.project import Project
from meltano.core.venvs.plan import PlannedInstall, plan_installs

PROJECT = """\
python: {python}
env:
  ROOT_VAR: from-root
plugins:
  utilities:
  - name: hello
    namespace: hello
    pip_url: hello==${{HELLO_VERSION}}
  - name: hello-child
    inherit_from: hello
  - name: hello-own
    inherit_from: hello
    pip_url: other
    python: /opt/python3.12
  - name: nothing
    namespace: nothing
    executable: echo
"""


def plans(
    project_dir: Path, write: Callable[[str], Path], environ: dict[str, str], **options: bool
) -> dict[str, PlannedInstall]:
    write(PROJECT.format(python=sys.executable))
    project = Project(project_dir, environ=environ)
    plugins = project_plugins(project, definitions=lambda *_: None)
    return {p.plugin.name: p for p in plan_installs(project, plugins, **options)}


def test_requests_share_venvs_expand_vars_and_pick_python(
    project_dir: Path, write_meltano_yml: Callable[[str], Path]
) -> None:
    (project_dir / ".env").write_text("HELLO_VERSION=1.0\n")
    planned = plans(project_dir, write_meltano_yml, {"PATH": "/usr/bin"}, clean=True)
    hello = planned["hello"].request
    assert hello is not None and hello.env is not None
    assert hello.pip_url == "hello==1.0"
    assert hello.venv_dir == project_dir / ".meltano" / "utilities" / "hello" / "venv"
    assert hello.python == sys.executable  # the project's `python` setting
    assert hello.backend == "uv" and hello.clean
    assert hello.env["ROOT_VAR"] == "from-root"  # root `env:` reaches the installer
    assert hello.env["HELLO_VERSION"] == "1.0"  # and so does `.env`
    assert hello.run_dir == project_dir / ".meltano" / "run" / "hello"
    child = planned["hello-child"]
    assert child.request is None
    assert child.skip_reason == (
        "Plugin 'hello-child' does not require installation: reusing parent virtualenv"
    )
    own = planned["hello-own"].request
    assert own is not None
    assert own.venv_dir.parent.name == "hello-own" and own.python == "/opt/python3.12"
    assert planned["nothing"].skip_reason == "Plugin is not installable"


def test_unset_variable_fails_an_explicit_install_and_skips_an_automatic_one(
    project_dir: Path, write_meltano_yml: Callable[[str], Path]
) -> None:
    explicit = plans(project_dir, write_meltano_yml, {})["hello"]
    assert explicit.error is not None
    assert "refers to unset variables: HELLO_VERSION" in explicit.error.reason
    auto = plans(project_dir, write_meltano_yml, {}, auto=True)["hello"]
    assert auto.request is None and auto.error is None


def test_venv_backend_setting_is_used(
    project_dir: Path, write_meltano_yml: Callable[[str], Path]
) -> None:
    planned = plans(
        project_dir, write_meltano_yml, {"MELTANO_VENV_BACKEND": "virtualenv", "HELLO_VERSION": "2"}
    )
    request = planned["hello"].request
    assert request is not None
    assert request.backend == "virtualenv" and request.pip_url == "hello==2"
    assert request.log_file == (
        project_dir / ".meltano" / "logs" / "pip" / "utilities" / "hello" / "install.log"
    )


AIRFLOW = """\
plugins:
  orchestrators:
  - name: airflow
    variant: apache
    pip_url: apache-airflow==3.3.0 --constraint https://example.com/constraints-3.3.0/constraints-${MELTANO__PYTHON_VERSION}.txt
  utilities:
  - name: probe
    namespace: probe_ns
    pip_url: probe/${MELTANO__PYTHON_VERSION}/${MELTANO_JOB_TRIGGER}/${MELTANO_UTILITY_NAMESPACE}/${MELTANO_USER_AGENT}
"""


def test_hub_pip_urls_expand_meltanos_built_in_variables(
    project_dir: Path, write_meltano_yml: Callable[[str], Path]
) -> None:
    write_meltano_yml(AIRFLOW)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    project = Project(project_dir, environ={})
    plugins = project_plugins(project, definitions=lambda *_: None)
    requests = {p.plugin.name: p.request for p in plan_installs(project, plugins)}
    airflow, probe = requests["airflow"], requests["probe"]
    assert airflow is not None and probe is not None
    assert airflow.pip_url == (
        "apache-airflow==3.3.0 --constraint "
        f"https://example.com/constraints-3.3.0/constraints-{version}.txt"
    )
    from meltano import __version__

    assert probe.pip_url == f"probe/{version}/cli/probe_ns/Meltano/{__version__}"


def test_terminal_overrides_the_python_version_and_trigger_but_not_identity(
    project_dir: Path, write_meltano_yml: Callable[[str], Path]
) -> None:
    write_meltano_yml(AIRFLOW)
    environ = {
        "MELTANO__PYTHON_VERSION": "3.9",
        "MELTANO_JOB_TRIGGER": "airflow",
        "MELTANO_UTILITY_NAMESPACE": "not-this",
    }
    project = Project(project_dir, environ=environ)
    plugins = project_plugins(project, definitions=lambda *_: None)
    requests = {p.plugin.name: p.request for p in plan_installs(project, plugins)}
    probe = requests["probe"]
    assert probe is not None and probe.pip_url.startswith("probe/3.9/airflow/probe_ns/")
