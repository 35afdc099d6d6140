"""Helpers for the fault-injection suite: real `meltano` processes, bounded waits, run records.

Every wait here has a timeout, so a hang fails a test instead of stalling CI.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import PLUGINS, STATE_ID, ids, pipeline_project, rows  # noqa: F401

RUN = ("run", "tap-counter", "target-jsonl")
#: The longest any single `meltano` process of this suite may take before the test fails.
PROCESS_TIMEOUT = 60.0


@dataclass(frozen=True)
class Finished:
    """A `meltano` process that ended: exit code, output, and how long it took."""

    code: int
    stdout: str
    stderr: str
    seconds: float


def start(
    project: Path, *args: str, env: dict[str, str] | None = None, log_level: str = "info"
) -> subprocess.Popen[str]:
    """Start `python -m meltano ARGS` in `project` (its own session, so we can signal it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "meltano", "--log-level", log_level, *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def finish(
    process: subprocess.Popen[str], began: float, timeout: float = PROCESS_TIMEOUT
) -> Finished:
    """Wait (bounded) for a started process; kill it and fail the test if it hangs."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate(timeout=10)
        pytest.fail(f"meltano did not finish within {timeout} s:\n{err[-3000:]}")
    return Finished(process.returncode, out, err, time.monotonic() - began)


def meltano(
    project: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = PROCESS_TIMEOUT,
    log_level: str = "info",
) -> Finished:
    """Run `meltano ARGS` to the end in `project`."""
    began = time.monotonic()
    return finish(start(project, *args, env=env, log_level=log_level), began, timeout)


def wait_for(predicate: Callable[[], object], seconds: float, step: float = 0.02) -> bool:
    """Poll `predicate` until it is true or `seconds` pass; say which."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def alive(*markers: str | Path) -> list[int]:
    """PIDs of live (not zombie) processes whose command line or environment has every marker."""
    found = []
    needles = [str(marker).encode() for marker in markers]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if b"State:\tZ" in (entry / "status").read_bytes():
                continue
            text = (entry / "cmdline").read_bytes() + b"\0" + (entry / "environ").read_bytes()
        except OSError:
            continue
        if all(needle in text for needle in needles):
            found.append(int(entry.name))
    return found


def stored_state(project: Path, state_id: str = STATE_ID) -> dict:
    """The state document for `state_id`, read through `meltano state get` ({} when none)."""
    result = meltano(project, "state", "get", state_id, log_level="warning")
    return json.loads(result.stdout) if result.code == 0 else {}


def bookmark(project: Path, state_id: str = STATE_ID) -> int | None:
    """The counter bookmark of the stored state, if any."""
    document = stored_state(project, state_id)
    return document.get("singer_state", {}).get("bookmarks", {}).get("counter", {}).get("id")


def run_records(project: Path) -> list:
    """Run records of the project, newest first (`RunHistory.recent()` summaries)."""
    from meltano.core.blocks.history import RunHistory
    from meltano.core.db.connect import open_url

    database = open_url(f"sqlite:///{project / '.meltano' / 'meltano.db'}")
    try:
        return RunHistory(database).recent()
    finally:
        database.close()


def logs_list(project: Path) -> list[dict]:
    """`meltano logs list --format json` runs."""
    return json.loads(meltano(project, "logs", "list", "--format", "json").stdout)["runs"]


def add_to_meltano_yml(project: Path, old: str, new: str) -> None:
    """Replace `old` by `new` once in the project's meltano.yml."""
    path = project / "meltano.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def cleanup() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test started; killed (whole session) at the end whatever happened."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, 9)
        with contextlib.suppress(subprocess.TimeoutExpired, ValueError):
            process.communicate(timeout=10)
