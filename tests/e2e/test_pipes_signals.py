"""Signals to the process that runs a pipeline reach its plugins; nothing outlives it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PLUGINS = Path(__file__).parent.parent / "plugins"
SCRIPTS = {"tap-counter": "tap_counter.py", "target-jsonl": "target_jsonl.py"}

Command = Callable[..., dict]
Driver = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def command(tmp_path: Path) -> Command:
    def make(name: str, **config: object) -> dict:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"ready_file": str(tmp_path / f"{name}.ready"), **config}))
        return {
            "name": name,
            "argv": [sys.executable, str(PLUGINS / SCRIPTS[name]), "--config", str(path)],
        }

    return make


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    """Start `pipes_driver.py` with a spec; kill it (and wait) at the end of the test."""
    started: list[subprocess.Popen[str]] = []

    def start(commands: list[dict], **spec: object) -> subprocess.Popen[str]:
        spec = {"commands": commands, **spec}
        process = subprocess.Popen(
            [sys.executable, str(PLUGINS / "pipes_driver.py"), json.dumps(spec)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def alive(marker: Path) -> list[int]:
    """PIDs of running (not zombie) processes whose command line mentions `marker`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(marker).encode() in cmdline and b"pipes_driver" not in cmdline:
                pids.append(int(entry.name))
    return pids


def wait_for(predicate: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def wait_started(directory: Path, count: int) -> None:
    """Wait until `count` plugins have set up their signal handling."""

    def ready() -> bool:
        return len(list(directory.glob("*.ready"))) >= count

    assert wait_for(ready, 20), "plugins did not start"


def finish(process: subprocess.Popen[str], seconds: float) -> tuple[int, dict]:
    out, _err = process.communicate(timeout=seconds)
    return process.returncode, json.loads(out) if out.strip() else {}


def test_sigterm_is_forwarded_and_the_run_ends_terminated(
    command: Command, driver: Driver, tmp_path: Path
) -> None:
    process = driver(
        [
            command("tap-counter", sleep_at=0, sleep=60),
            command("target-jsonl", path=str(tmp_path / "o")),
        ]
    )
    wait_started(tmp_path, 2)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code, report = finish(process, 10)
    assert time.monotonic() - sent < 2
    assert code == 143
    assert report["reason"] == "The process was terminated"
    assert alive(tmp_path) == []


def test_sigint_is_forwarded_and_the_run_ends_interrupted(
    command: Command, driver: Driver, tmp_path: Path
) -> None:
    process = driver(
        [
            command("tap-counter", sleep_at=0, sleep=60),
            command("target-jsonl", path=str(tmp_path / "o")),
        ]
    )
    wait_started(tmp_path, 2)
    process.send_signal(signal.SIGINT)
    code, report = finish(process, 10)
    assert code == 130
    assert report["reason"] == "The process was interrupted"
    assert alive(tmp_path) == []


def test_plugin_ignoring_sigterm_is_killed_after_the_grace_period(
    command: Command, driver: Driver, tmp_path: Path
) -> None:
    process = driver(
        [
            command("tap-counter", sleep_at=0, sleep=60, ignore_sigterm=True),
            command("target-jsonl", path=str(tmp_path / "o")),
        ],
        grace=1.0,
    )
    wait_started(tmp_path, 2)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code, report = finish(process, 10)
    assert 0.9 < time.monotonic() - sent < 1.0 + 2
    assert code == 143
    assert report["exit_codes"] == [137, 143]
    assert alive(tmp_path) == []


def test_second_signal_kills_at_once(command: Command, driver: Driver, tmp_path: Path) -> None:
    process = driver(
        [
            command("tap-counter", sleep_at=0, sleep=60, ignore_sigterm=True),
            command("target-jsonl", path=str(tmp_path / "o")),
        ],
        grace=30,
    )
    wait_started(tmp_path, 2)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code, _report = finish(process, 10)
    assert time.monotonic() - sent < 2
    assert code == 143


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_kill_9_of_the_runner_leaves_no_plugin_behind(
    command: Command, driver: Driver, tmp_path: Path
) -> None:
    process = driver(
        [
            command("tap-counter", sleep_at=0, sleep=60, ignore_sigterm=True),
            command("target-jsonl", path=str(tmp_path / "o"), ignore_sigterm=True),
        ]
    )
    wait_started(tmp_path, 2)
    process.kill()
    process.communicate(timeout=10)
    assert wait_for(lambda: alive(tmp_path) == [], 2), alive(tmp_path)


def test_run_command_returns_the_exit_status_and_shares_our_stdout(
    command: Command, driver: Driver, tmp_path: Path
) -> None:
    process = driver([command("tap-counter", records=3, exit_at=3, exit_code=4)], mode="command")
    out, err = process.communicate(timeout=30)
    assert process.returncode == 4
    assert '"record":{"id":2}' in out  # the plugin wrote straight to our stdout
    assert "giving up at record 3" in err


def test_run_command_forwards_sigterm(command: Command, driver: Driver, tmp_path: Path) -> None:
    process = driver([command("tap-counter", sleep_at=0, sleep=60)], mode="command")
    wait_started(tmp_path, 1)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=10)
    assert process.returncode == 143
    assert alive(tmp_path) == []


def test_200_mb_line_on_target_stdout_fails_fast_with_bounded_memory(
    command: Command, driver: Driver, tmp_path: Path
) -> None:
    process = driver(
        [
            command("tap-counter", records=3),
            command("target-jsonl", path=str(tmp_path / "o"), huge_stdout=200_000_000),
        ],
        line_limit=10_000_000,
    )
    code, report = finish(process, 30)
    assert code == 1
    assert "loader target-jsonl wrote a line of at least" in report["reason"]
    assert report["peak_rss_kb"] < 100_000
