"""Many processes writing state at once: no "database is locked", no lost update."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
PROCESSES = 8
WRITES_EACH = 10

# Each worker waits for a common start time, then merges WRITES_EACH distinct bookmarks.
WORKER = """
import sys, time
from meltano.core.state import store
from meltano.core.state.backend import open_backend
from meltano.core.state.settings import StateBackendSettings
uri, index, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
if uri == "systemdb":
    from meltano.core.db.connect import open_url
    from meltano.core.state.backends.systemdb import SystemDbBackend
    backend = SystemDbBackend(open_url(sys.argv[4]))
else:
    backend = open_backend(StateBackendSettings(uri=uri, lock_retry_seconds=0.005))
time.sleep(max(0.0, start - time.time()))
for write in range(WRITES_EACH):
    store.save_singer_state(backend, "dev:tap-to-target", {f"p{index}w{write}": write},
                            complete=False)
""".replace("WRITES_EACH", str(WRITES_EACH))


def run_workers(uri: str, *extra: str) -> None:
    start = time.time() + 3.0  # after every interpreter has started (imports are slow)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, uri, str(index), str(start), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for index in range(PROCESSES)
    ]
    failures = []
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        if worker.returncode != 0:
            failures.append(stderr.decode()[-2000:])
    assert not failures, failures[0]


def expected_keys() -> set[str]:
    return {f"p{p}w{w}" for p in range(PROCESSES) for w in range(WRITES_EACH)}


def test_eight_processes_write_sqlite_state_at_once(tmp_path: Path) -> None:
    from meltano.core.db.connect import open_url
    from meltano.core.state import store
    from meltano.core.state.backends.systemdb import SystemDbBackend

    uri = f"sqlite:///{tmp_path / 'meltano.db'}"
    database = open_url(uri)
    run_workers("systemdb", uri)
    state = store.read_state(SystemDbBackend(database), "dev:tap-to-target")
    assert set(state["singer_state"]) == expected_keys()


def test_eight_processes_write_file_state_at_once(tmp_path: Path) -> None:
    from meltano.core.state import store
    from meltano.core.state.backends.file import FileBackend
    from meltano.core.state.settings import StateBackendSettings

    run_workers(f"file://{tmp_path / 'state'}")
    backend = FileBackend(tmp_path / "state", StateBackendSettings())
    assert set(store.read_state(backend, "dev:tap-to-target")["singer_state"]) == expected_keys()
    assert sorted(p.name for p in (tmp_path / "state" / "dev:tap-to-target").iterdir()) == [
        "state.json"
    ]


def test_eight_cli_merges_at_once(project_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELTANO_")}
    env["MELTANO_CLI_LOG_LEVEL"] = "warning"
    merges = [
        subprocess.Popen(
            [sys.executable, "-m", "meltano", "state", "merge", "dev:a-to-b",
             json.dumps({"singer_state": {f"stream{index}": index}})],
            cwd=project_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for index in range(PROCESSES)
    ]  # fmt: skip
    for merge in merges:
        _, stderr = merge.communicate(timeout=120)
        assert merge.returncode == 0, stderr.decode()
        assert b"locked" not in stderr
    result = subprocess.run(
        [sys.executable, "-m", "meltano", "state", "get", "dev:a-to-b"],
        cwd=project_dir, env=env, capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    assert json.loads(result.stdout)["singer_state"] == {f"stream{i}": i for i in range(8)}


# Takes the run lease of one state ID, says so, then holds it until killed (or for 30 s).
LEASE_HOLDER = """
import sys, time
import structlog
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))  # stdout: ours
from meltano.core.state.backend import open_backend
from meltano.core.state.lease import RunLeaseHeldError, run_lease
from meltano.core.state.settings import StateBackendSettings
uri, start = sys.argv[1], float(sys.argv[2])
backend = open_backend(StateBackendSettings(uri=uri))
time.sleep(max(0.0, start - time.time()))
try:
    with run_lease(backend, "dev:tap-to-target", f"run-{sys.argv[3]}"):
        print("running", flush=True)
        time.sleep(float(sys.argv[4]))
except RunLeaseHeldError as error:
    print("refused", flush=True)
    sys.exit(error.exit_code)
"""


def test_twenty_processes_one_lease_and_kill_9_recovery(tmp_path: Path) -> None:
    import signal

    uri = f"file://{tmp_path / 'state'}"
    start = time.time() + 3.0
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", LEASE_HOLDER, uri, str(start), str(i), "30"],
            stdout=subprocess.PIPE,
        )
        for i in range(20)
    ]
    deadline = time.monotonic() + 120
    while sum(run.poll() is not None for run in runs) < 19 and time.monotonic() < deadline:
        time.sleep(0.1)
    refused = [run for run in runs if run.poll() == 75]
    assert len(refused) == 19  # the one left is still running, holding the lease
    (holder,) = [run for run in runs if run not in refused]
    assert holder.poll() is None
    assert holder.stdout is not None and holder.stdout.readline() == b"running\n"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    started = time.monotonic()
    after = subprocess.run(
        [sys.executable, "-c", LEASE_HOLDER, uri, "0", "next", "0"],
        capture_output=True,
        timeout=120,
    )
    assert after.returncode == 0 and after.stdout == b"running\n"
    assert time.monotonic() - started < 60  # at once, not after a lease timeout
