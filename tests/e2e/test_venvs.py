"""Real venv installs: a local fixture package offline with uv and virtualenv, in parallel."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from meltano.core.venvs.fingerprint import FINGERPRINT_FILE
from meltano.core.venvs.install import (
    InstallRequest,
    InstallStatus,
    install_plugin,
    install_plugins,
)

PACKAGE = str(Path(__file__).parents[1] / "fixtures" / "packages" / "hello-plugin")
OFFLINE = {**os.environ, "UV_OFFLINE": "1", "PIP_NO_INDEX": "1"}


def request(tmp_path: Path, name: str = "hello", **options: object) -> InstallRequest:
    return InstallRequest(
        "utilities",
        name,
        tmp_path / "utilities" / name / "venv",
        PACKAGE,
        env=options.pop("env", OFFLINE),
        **options,
    )  # type: ignore[arg-type]


def run_hello(venv: Path, *args: str) -> str:
    result = subprocess.run(
        [str(venv / "bin" / "hello-plugin"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


def test_uv_installs_the_package_and_writes_the_fingerprint(tmp_path: Path) -> None:
    run_dir = tmp_path / "run" / "hello"
    (run_dir / "old").mkdir(parents=True)
    (run_dir / "tap.properties.json").write_text("{}")
    result = asyncio.run(install_plugin(request(tmp_path, run_dir=run_dir)))
    venv = result.request.venv_dir
    assert result.status is InstallStatus.INSTALLED, result.reason
    assert run_hello(venv, "a") == "hello from hello-plugin a"
    assert (venv / FINGERPRINT_FILE).read_text() == hashlib.sha256(PACKAGE.encode()).hexdigest()
    assert run_dir.is_dir() and list(run_dir.iterdir()) == []  # stale generated files are gone


def test_auto_install_skips_an_up_to_date_venv_and_explicit_install_reuses_it(
    tmp_path: Path,
) -> None:
    first = asyncio.run(install_plugin(request(tmp_path)))
    marker = first.request.venv_dir / "left-by-test"  # survives only if the venv is kept
    marker.touch()
    auto = asyncio.run(install_plugin(request(tmp_path, auto=True)))
    assert (auto.status, auto.reason) == (InstallStatus.SKIPPED, "already installed")
    again = asyncio.run(install_plugin(request(tmp_path)))
    assert again.status is InstallStatus.INSTALLED
    assert marker.exists()  # upgraded in place, not recreated
    clean = asyncio.run(install_plugin(request(tmp_path, clean=True)))
    assert clean.status is InstallStatus.INSTALLED
    assert not marker.exists()
    assert run_hello(clean.request.venv_dir) == "hello from hello-plugin"


def test_a_changed_pip_url_makes_auto_install_rebuild(tmp_path: Path) -> None:
    asyncio.run(install_plugin(request(tmp_path)))
    changed = InstallRequest(
        "utilities",
        "hello",
        tmp_path / "utilities" / "hello" / "venv",
        f"{PACKAGE} --pre",
        auto=True,
        env=OFFLINE,
    )
    result = asyncio.run(install_plugin(changed))
    assert result.status is InstallStatus.INSTALLED
    assert run_hello(changed.venv_dir) == "hello from hello-plugin"


def test_parallel_installs_isolate_a_failure(tmp_path: Path) -> None:
    good = [request(tmp_path, f"hello{n}") for n in range(3)]
    bad = InstallRequest(
        "utilities",
        "broken",
        tmp_path / "utilities" / "broken" / "venv",
        str(tmp_path / "no-such-package"),
        env=OFFLINE,
    )
    shared = request(tmp_path, "hello0")  # same venv as good[0]: installed once
    results = asyncio.run(install_plugins([*good, bad, shared], parallelism=2))
    assert [r.status for r in results] == [InstallStatus.INSTALLED] * 3 + [
        InstallStatus.FAILED,
        InstallStatus.SKIPPED,
    ]
    for result in results[:3]:
        assert run_hello(result.request.venv_dir) == "hello from hello-plugin"
    failure = results[3].error
    assert failure is not None
    assert "Could not install utility 'broken'" in failure.reason
    assert "no-such-package" in (failure.instruction or "")  # the installer's own words


def test_a_configured_python_is_used_and_fingerprinted(tmp_path: Path) -> None:
    result = asyncio.run(install_plugin(request(tmp_path, python=sys.executable)))
    venv = result.request.venv_dir
    assert result.status is InstallStatus.INSTALLED, result.reason
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert version.strip() == str(sys.version_info[:2])
    expected = hashlib.sha256(f"{PACKAGE} python:{sys.executable}".encode()).hexdigest()
    assert (venv / FINGERPRINT_FILE).read_text() == expected


def test_a_missing_python_fails_that_plugin_only(tmp_path: Path) -> None:
    result = asyncio.run(install_plugin(request(tmp_path, python="/no/such/python")))
    assert result.status is InstallStatus.FAILED
    assert "'/no/such/python' was not found" in result.reason


@pytest.mark.slow
def test_virtualenv_backend_installs_with_pip_and_keeps_a_log(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "pip" / "utilities" / "hello" / "install.log"
    uv_built = asyncio.run(install_plugin(request(tmp_path)))
    assert uv_built.status is InstallStatus.INSTALLED
    # A uv venv has no pip, so switching backends recreates the venv even without `clean`.
    result = asyncio.run(install_plugin(request(tmp_path, backend="virtualenv", log_file=log_file)))
    assert result.status is InstallStatus.INSTALLED, result.reason
    assert (result.request.venv_dir / "bin" / "pip").exists()
    assert run_hello(result.request.venv_dir) == "hello from hello-plugin"
    assert "hello-plugin" in log_file.read_text()


@pytest.mark.slow
def test_real_plugin_from_the_package_index(tmp_path: Path) -> None:
    """`target-jsonl` from the package index, as `meltano install` would (needs the index)."""
    venv = tmp_path / "loaders" / "target-jsonl" / "venv"
    result = asyncio.run(
        install_plugin(InstallRequest("loaders", "target-jsonl", venv, "target-jsonl"))
    )
    assert result.status is InstallStatus.INSTALLED, result.error and result.error.instruction
    assert (venv / "bin" / "target-jsonl").exists()
    assert (
        venv / FINGERPRINT_FILE
    ).read_text() == "87ecca35f1adbbc28ebbddd9fb8c652bffbe7053a142548c14d65885d6e20fc1"
