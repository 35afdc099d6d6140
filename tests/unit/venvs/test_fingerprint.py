"""Fingerprints (4.4.1's exact hash) and when a venv needs an install."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from meltano.core.errors import MeltanoError
from meltano.core.venvs.fingerprint import (
    FINGERPRINT_FILE,
    fingerprint,
    pip_args,
    requires_install,
    write_fingerprint,
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_single_package_hash_is_the_one_441_writes() -> None:
    # Read from a venv that Meltano 4.4.1 built for `pip_url: target-jsonl`.
    assert (
        fingerprint(["target-jsonl"])
        == "87ecca35f1adbbc28ebbddd9fb8c652bffbe7053a142548c14d65885d6e20fc1"
    )


def test_arguments_are_sorted_and_deduplicated() -> None:
    assert fingerprint(["/pkg", "--pre", "/pkg"]) == sha("--pre /pkg")


def test_a_configured_python_is_part_of_the_hash_as_written() -> None:
    assert fingerprint(["/pkg"], "python3.11") == sha("/pkg python:python3.11")
    assert fingerprint(["/pkg"], "/usr/bin/python3") == sha("/pkg python:/usr/bin/python3")


def test_pip_args_split_like_a_shell() -> None:
    assert pip_args("dbt-core~=1.3.0  'pkg @ git+https://x/y'") == [
        "dbt-core~=1.3.0",
        "pkg @ git+https://x/y",
    ]


def test_pip_args_with_bad_quotes_is_a_user_error() -> None:
    with pytest.raises(MeltanoError, match="cannot be split"):
        pip_args("pkg 'open")


def test_requires_install_until_python_and_matching_fingerprint_exist(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert requires_install(venv, "abc")
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    assert requires_install(venv, "abc")  # no fingerprint yet
    write_fingerprint(venv, "abc")
    assert (venv / FINGERPRINT_FILE).read_text() == "abc"
    assert not requires_install(venv, "abc")
    assert requires_install(venv, "def")
