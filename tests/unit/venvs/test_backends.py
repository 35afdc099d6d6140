"""Installer commands of each backend, and the install error text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.venvs.backends import UvBackend, VirtualenvBackend, backend_named
from meltano.core.venvs.install import InstallError, InstallRequest

VENV = Path("/p/.meltano/loaders/target-x/venv")


def test_uv_recreates_the_venv_then_installs_with_its_python() -> None:
    (create,) = UvBackend().create(VENV, "/usr/bin/python3")
    (install,) = UvBackend().install(VENV, ["target-x"], force=True, log_file=None)
    assert create.argv[1:3] == ("venv", "--clear")
    assert "--python=/usr/bin/python3" in create.argv and create.argv[-1] == str(VENV)
    assert install.argv[1:3] == ("pip", "install")
    assert f"--python={VENV}/bin/python" in install.argv and install.argv[-1] == "target-x"


def test_virtualenv_upgrades_pip_and_logs_the_install(tmp_path: Path) -> None:
    log = tmp_path / "install.log"
    create, upgrade = VirtualenvBackend().create(VENV, "3.12")
    (install,) = VirtualenvBackend().install(VENV, ["a", "b"], force=True, log_file=log)
    assert create.argv[:3] == (sys.executable, "-m", "virtualenv")
    assert upgrade.argv[-3:] == ("install", "--upgrade", "pip")
    assert upgrade.optional and not create.optional and not install.optional
    assert install.argv[1:] == (
        "-m",
        "pip",
        "install",
        "--log",
        str(log),
        "--ignore-requires-python",
        "a",
        "b",
    )


def test_unknown_backend_lists_the_known_ones() -> None:
    with pytest.raises(MeltanoError) as caught:
        backend_named("conda")
    assert "uv" in (caught.value.instruction or "")
    assert "virtualenv" in (caught.value.instruction or "")


def test_install_error_shows_the_last_output_lines() -> None:
    request = InstallRequest("loaders", "target-x", VENV, "target-x==9")
    output = "\n".join(f"line {n}" for n in range(30)) + "\nerror: no version 9\n"
    error = InstallError(request, "could not install the package (exit code 1)", output)
    assert error.reason == (
        "Could not install loader 'target-x': could not install the package (exit code 1)"
    )
    instruction = error.instruction or ""
    assert "error: no version 9" in instruction and "line 11" in instruction
    assert "line 10\n" not in instruction  # only the last 20 lines
    assert "meltano install --plugin-type loaders target-x" in instruction


def test_paths_under_the_system_directory(tmp_path: Path) -> None:
    from meltano.core.venvs.paths import install_log_file, venv_dir, venv_executable

    venv = venv_dir(tmp_path, "loaders", "target-x")
    assert venv == tmp_path / "loaders" / "target-x" / "venv"
    assert venv_executable(venv, "target-x") == venv / "bin" / "target-x"
    assert (
        install_log_file(tmp_path, "loaders", "target-x")
        == tmp_path / "logs" / "pip" / "loaders" / "target-x" / "install.log"
    )


@pytest.mark.parametrize("name", ["..", "a/b", "../../etc", ""])
def test_plugin_names_cannot_escape_the_system_directory(tmp_path: Path, name: str) -> None:
    from meltano.core.venvs.paths import venv_dir

    with pytest.raises(MeltanoError, match="cannot be used as a directory name"):
        venv_dir(tmp_path, "loaders", name)
