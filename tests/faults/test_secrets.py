"""F8: `kind: password` values never show up anywhere meltano writes, and runtime config is private."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from tests.faults.conftest import (
    add_to_meltano_yml,
    finish,
    logs_list,
    meltano,
    run_records,
    start,
    wait_for,
)

SECRETS = {"meltano.yml": "hunter2-secret", ".env": "dotenv-pw-4821", "env": "environ-pw-9137"}
PLAIN = ("run", "tap-counter", "target-jsonl")


@pytest.fixture
def secret_project(pipeline_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    add_to_meltano_yml(
        pipeline_project,
        "    - {name: secret, kind: password}\n",
        "    - {name: secret, kind: password}\n"
        "    - {name: secret_dotenv, kind: password}\n"
        "    - {name: secret_env, kind: password}\n",
    )
    (pipeline_project / ".env").write_text(f"TAP_COUNTER_SECRET_DOTENV={SECRETS['.env']}\n")
    monkeypatch.setenv("TAP_COUNTER_SECRET_ENV", SECRETS["env"])
    return pipeline_project


def leaks(text: str | bytes) -> list[str]:
    """Which secrets appear in `text`."""
    data = text.encode() if isinstance(text, str) else text
    return [where for where, secret in SECRETS.items() if secret.encode() in data]


@pytest.mark.slow
def test_f8_secrets_never_appear_in_output_logs_or_history(secret_project: Path) -> None:
    project = secret_project
    unsafe = meltano(project, "config", "--unsafe", "print", "tap-counter")
    assert leaks(unsafe.stdout) == ["meltano.yml", ".env", "env"]  # all three are really set
    outputs = {}
    for args in (
        ("config", "list", "tap-counter"),
        ("config", "print", "tap-counter"),
        ("config", "print", "tap-counter", "--format", "env"),
    ):
        done = meltano(project, *args, log_level="debug")
        assert done.code == 0, done.stderr
        outputs[" ".join(args)] = done.stdout + done.stderr
    for level in ("debug", "info", "warning", "error", "critical"):
        done = meltano(project, "run", "--full-refresh", *PLAIN[1:], log_level=level)
        assert done.code == 0, done.stderr
        outputs[f"run at {level}"] = done.stdout + done.stderr
    for crash in ({"TAP_COUNTER_CRASH_AT": "3"}, {"TARGET_JSONL_CRASH_AT": "2"}):
        done = meltano(project, "run", "--full-refresh", *PLAIN[1:], env=crash, log_level="debug")
        assert done.code == ExitCode.FAILED
        assert "Traceback" in done.stderr  # the plugin's own crash, logged
        outputs[f"crash {crash}"] = done.stdout + done.stderr
    for record in run_records(project):
        shown = meltano(project, "logs", "show", record.run_id, log_level="debug")
        outputs[f"logs show {record.run_id}"] = shown.stdout + shown.stderr
        outputs[f"history {record.run_id}"] = repr(record)
    outputs["logs list"] = repr(logs_list(project))
    found = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert found == {}
    on_disk = [
        path
        for path in (project / ".meltano").rglob("*")
        if path.is_file() and "venv" not in path.parts and leaks(path.read_bytes())
    ]
    assert on_disk == []  # system DB (and its WAL), run logs, nothing keeps a secret
    print(f"F8 0 secret occurrences in {len(outputs)} outputs and every file under .meltano")


def runtime_files(project: Path) -> list[Path]:
    return list((project / ".meltano" / "run" / "runs").rglob("*"))


@pytest.mark.parametrize("ending", ["success", "failure", "sigterm"])
def test_f8_runtime_config_is_private_and_removed(secret_project: Path, ending: str) -> None:
    project = secret_project
    ready, release = project / "tap.ready", project / "release"
    env = {"TAP_COUNTER_READY_FILE": str(ready), "TAP_COUNTER_WAIT_FILE": str(release)}
    if ending == "failure":
        env["TAP_COUNTER_EXIT_AT"] = "2"
    began = time.monotonic()
    process = start(project, *PLAIN, env=env)
    try:
        assert wait_for(ready.exists, 30)
        files = runtime_files(project)
        config_files = [
            path for path in files if path.name.endswith(".json") and leaks(path.read_bytes())
        ]
        assert config_files, files  # the tap's config, with its secrets, is in there now
        for path in files:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        run_dir = project / ".meltano" / "run" / "runs"
        assert stat.S_IMODE(next(run_dir.iterdir()).stat().st_mode) == 0o700
        if ending == "sigterm":
            os.kill(process.pid, signal.SIGTERM)
        else:
            release.touch()
        done = finish(process, began)
    finally:
        if process.poll() is None:
            process.kill()
    expected = {"success": 0, "failure": ExitCode.FAILED, "sigterm": ExitCode.TERMINATED}[ending]
    assert done.code == expected, done.stderr
    assert runtime_files(project) == []


@pytest.mark.slow
def test_f27_runtime_config_of_a_killed_run_is_removed_by_the_next_command(
    secret_project: Path, cleanup: list
) -> None:
    project = secret_project
    ready, release = project / "tap.ready", project / "release"
    env = {"TAP_COUNTER_READY_FILE": str(ready), "TAP_COUNTER_WAIT_FILE": str(release)}
    began = time.monotonic()
    killed = start(project, *PLAIN, env=env)
    cleanup.append(killed)
    assert wait_for(ready.exists, 30)
    left = [path for path in runtime_files(project) if path.is_file() and leaks(path.read_bytes())]
    assert left  # the tap's config with its secrets, on disk while the run lives
    killed.kill()  # kill -9: no clean-up of its own
    finish(killed, began)
    assert all(path.exists() for path in left)

    killed_dir = left[0].parents[1]  # runs/<run id>/<plugin>/<file>
    runs = killed_dir.parent

    ready.unlink()
    alive = start(project, *PLAIN, "--state-id-suffix", "other", env=env)  # a live run beside
    cleanup.append(alive)
    assert wait_for(ready.exists, 30)
    live_dir = next(d for d in runs.iterdir() if d != killed_dir)
    done = meltano(project, "state", "list")  # any command that opens the project
    assert done.code == 0, done.stderr
    assert not killed_dir.exists(), "the killed run's secrets are still on disk"
    assert list(runs.iterdir()) == [live_dir]  # the live run's files stay
    assert any(leaks(path.read_bytes()) for path in live_dir.rglob("*") if path.is_file())
    release.touch()
    assert finish(alive, began).code == 0
    assert runtime_files(project) == []
    print(f"F27 kill -9 left {len(left)} files with secrets; the next command removed them")
