"""`meltano upgrade`: the default `all`, package advice, database."""

from __future__ import annotations

from meltano.cli.upgrade import Installation, package_instructions


def test_upgrade_skip_package_runs_every_project_step(invoke) -> None:
    result = invoke("upgrade", "--skip-package")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines == [
        "Updating files managed by plugins...",
        "Nothing to update",
        "Applying migrations to system database...",
        "System database up-to-date.",
        "Applying migrations to project state...",
        "Your Meltano project has been upgraded!",
    ]


def test_upgrade_without_arguments_is_all(invoke) -> None:
    result = invoke("upgrade")
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("Your Meltano project has been upgraded!")
    assert "all*" in invoke("upgrade", "--help").stdout


def test_package_upgrade_already_done_is_skipped(invoke) -> None:
    result = invoke("upgrade", env={"MELTANO_PACKAGE_UPGRADED": "true"})
    assert result.stdout.startswith("Updating files managed by plugins...")


def test_upgrade_files_without_bundles(invoke) -> None:
    result = invoke("upgrade", "files")
    assert result.stdout.splitlines() == [
        "Updating files managed by plugins...",
        "Nothing to update",
    ]


def plain(prefix: str = "/opt/venv", **changes: bool) -> Installation:
    fields = {"in_docker": False, "in_nox": False, "editable": False, **changes}
    return Installation(prefix=prefix, **fields)


def test_package_advice_names_the_command_for_each_kind_of_install() -> None:
    assert package_instructions(plain(), pip_url=None, force=False)[1].strip() == (
        "/opt/venv/bin/python -m pip install --upgrade meltano"
    )
    uv_tool = plain("/home/u/.local/share/uv/tools/meltano")
    assert (
        "uv tool install --upgrade meltano"
        in package_instructions(uv_tool, pip_url=None, force=False)[1]
    )
    pipx = plain("/home/u/.local/pipx/venvs/meltano")
    assert "pipx upgrade meltano" in package_instructions(pipx, pip_url=None, force=False)[1]
    custom = package_instructions(plain(), pip_url="meltano==4.5 ; x", force=False)[1]
    assert custom.endswith("install --upgrade 'meltano==4.5 ; x'")


def test_package_advice_refuses_docker_nox_and_editable_installs() -> None:
    assert "Docker" in package_instructions(plain(in_docker=True), pip_url=None, force=False)[0]
    assert "nox" in package_instructions(plain(in_nox=True), pip_url=None, force=False)[0]
    editable = plain(editable=True)
    assert "editable" in package_instructions(editable, pip_url=None, force=False)[0]
    assert "pip install" in package_instructions(editable, pip_url=None, force=True)[1]
