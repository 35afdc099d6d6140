"""CTR-01: plugins in containers, `--containers` on invoke, run and el, on a real Docker Engine.

The image is built on this machine (tests/services/images.py): the stdlib Singer scripts of
tests/plugins on a minimal Debian with python3. Engine-side state is checked through the
Engine API: which containers exist, by the labels meltano puts on them.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from meltano.core.errors import ExitCode
from meltano.core.processes.container_launch import PID_LABEL, RUN_LABEL
from tests.e2e.conftest import PLUGINS
from tests.faults.conftest import Finished, bookmark, finish, meltano, start, wait_for
from tests.services.docker import docker_engine, plugin_image  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

SETTINGS = "[records, state_every, sleep_at, sleep, exit_at, exit_code, record_delay]"

PROJECT = """
plugins:
  extractors:
  - name: tap-in-container
    namespace: tap_counter
    executable: tap-counter
    capabilities: [state, catalog, discover]
    settings: {settings}
    config: {{records: 6, state_every: 2}}
    container_spec:
      image: {image}
    commands:
      show-env:
        args: --ignored
        container_spec:
          image: {image}
          command: ["sh", "-c", "env; exit 7"]
          env:
            FROM_SPEC: $MELTANO_PROJECT_ROOT/spec
  - name: tap-peek
    namespace: tap_counter
    executable: tap-counter
    capabilities: []
    config: {{secret_value: s3cret}}
    container_spec:
      image: {image}
      command: ["sh", "-c", "stat -c '%a' \\"$2\\"; touch \\"$2.x\\" 2>/dev/null || echo read-only; cat \\"$2\\"", "sh"]
  - name: tap-missing
    namespace: tap_counter
    executable: tap-counter
    capabilities: []
    container_spec: {{image: "meltano-test-missing:never-built"}}
  - name: tap-bad-volume
    namespace: tap_counter
    executable: tap-counter
    capabilities: []
    container_spec:
      image: {image}
      volumes: ["$MELTANO_PROJECT_ROOT/output:/output:no-such-mode"]
  - name: tap-x
    namespace: tap_counter
    executable: {plugins}/tap_counter.py
    capabilities: [state, catalog, discover]
    settings: {settings}
    config: {{records: 6, state_every: 2}}
  utilities:
  - name: boxed-util
    namespace: boxed_util
    commands:
      hello:
        container_spec:
          image: {image}
          command: ["sh", "-c", "echo hello-from-$MELTANO_UTILITY_NAME; exit 4"]
  loaders:
  - name: target-jsonl
    namespace: target_jsonl
    executable: {plugins}/target_jsonl.py
    config:
      path: $MELTANO_PROJECT_ROOT/output/on-host.jsonl
  - name: target-in-container
    namespace: target_jsonl
    executable: target-jsonl
    settings: [{{name: exit_at, kind: integer}}]
    config:
      path: /output/in-container.jsonl
    container_spec:
      image: {image}
      volumes: ["$MELTANO_PROJECT_ROOT/output:/output"]
"""


@pytest.fixture
def project(project_dir: Path, plugin_image: str) -> Path:
    settings = ", ".join(
        f"{{name: {name}, kind: {'decimal' if name in ('sleep', 'record_delay') else 'integer'}}}"
        for name in SETTINGS.strip("[]").split(", ")
    )
    path = project_dir / "meltano.yml"
    text = PROJECT.format(image=plugin_image, plugins=PLUGINS, settings=f"[{settings}]")
    path.write_text(path.read_text() + text)
    (project_dir / "output").mkdir(exist_ok=True)
    return project_dir


def records(path: Path) -> list[int]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [line["record"]["id"] for line in lines if line.get("type") == "RECORD"]


async def _containers(label: str) -> list[tuple[str, str]]:
    import aiodocker

    async with aiodocker.Docker() as docker:
        found = await docker.containers.list(all=True, filters={"label": [label]})
        return [(str(c["Names"][0]).lstrip("/"), str(c["Command"])) for c in found]


def containers(label: str) -> list[tuple[str, str]]:
    """Name and command of the containers (running or not) carrying `label` (`key=value`)."""
    return asyncio.run(_containers(label))


def test_invoke_prints_the_taps_output_from_its_container(project: Path) -> None:
    result = meltano(project, "invoke", "--containers", "tap-in-container")
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["record"]["id"] for line in lines if line["type"] == "RECORD"] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert lines[-1] == {"type": "STATE", "value": {"bookmarks": {"counter": {"id": 6}}}}


def test_the_exit_code_is_the_containers(project: Path) -> None:
    result = meltano(
        project, "invoke", "--containers", "tap-in-container", env={"TAP_COUNTER_EXIT_AT": "3"}
    )
    assert result.code == 3, result.stderr
    assert result.stdout.count('"RECORD"') == 2


def test_a_command_spec_runs_its_command_with_the_plugins_env(project: Path) -> None:
    """As 4.4.1: the spec's command replaces the command's args; its exit code is meltano's."""
    result = meltano(
        project,
        "invoke",
        "--containers",
        "tap-in-container:show-env",
        env={"MY_SHELL_ONLY": "1", "TAP_COUNTER_RECORDS": "9"},
    )
    assert result.code == 7, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert env["FROM_SPEC"] == f"{project}/spec"
    assert env["MELTANO_EXTRACTOR_NAME"] == "tap-in-container"
    assert env["MELTANO_PROJECT_ROOT"] == str(project)
    assert env["TAP_IN_CONTAINER_RECORDS"] == "9"  # a setting from the shell is a setting
    assert "MY_SHELL_ONLY" not in env  # our own shell's variables stay outside
    assert env["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert "--ignored" not in result.stdout


def test_the_config_file_is_mounted_read_only_and_private(project: Path) -> None:
    result = meltano(project, "invoke", "--containers", "tap-peek")
    assert result.code == 0, result.stderr
    mode, verdict, *config = result.stdout.splitlines()
    assert (mode, verdict) == ("600", "read-only")
    assert json.loads("\n".join(config)) == {"secret_value": "s3cret"}
    assert not list((project / ".meltano" / "run" / "tap-peek").glob("*.config.json"))


def test_without_containers_the_spec_is_not_used(project: Path) -> None:
    result = meltano(project, "invoke", "tap-in-container")
    assert result.code == 1
    assert "Executable 'tap-counter' could not be found" in result.stderr


def test_run_moves_rows_from_a_tap_in_a_container_and_stores_state(project: Path) -> None:
    result = meltano(project, "run", "--containers", "tap-in-container", "target-jsonl")
    assert result.code == 0, result.stderr
    assert records(project / "output" / "on-host.jsonl") == [1, 2, 3, 4, 5, 6]
    assert bookmark(project, "dev:tap-in-container-to-target-jsonl") == 6
    again = meltano(
        project, "run", "--containers", "tap-in-container", "target-jsonl",
        env={"TAP_COUNTER_RECORDS": "8"},
    )  # fmt: skip
    assert again.code == 0, again.stderr
    assert records(project / "output" / "on-host.jsonl") == [1, 2, 3, 4, 5, 6, 7, 8]


def test_run_moves_rows_into_a_target_in_a_container_and_stores_state(project: Path) -> None:
    result = meltano(project, "run", "--containers", "tap-x", "target-in-container")
    assert result.code == 0, result.stderr
    assert records(project / "output" / "in-container.jsonl") == [1, 2, 3, 4, 5, 6]
    assert bookmark(project, "dev:tap-x-to-target-in-container") == 6


def test_run_between_two_containers(project: Path) -> None:
    result = meltano(project, "run", "--containers", "tap-in-container", "target-in-container")
    assert result.code == 0, result.stderr
    assert records(project / "output" / "in-container.jsonl") == [1, 2, 3, 4, 5, 6]
    assert bookmark(project, "dev:tap-in-container-to-target-in-container") == 6


def test_a_fan_out_loads_into_a_target_here_and_one_in_a_container(project: Path) -> None:
    result = meltano(project, "run", "--containers", "tap-x", "target-jsonl", "target-in-container")
    assert result.code == 0, result.stderr
    assert records(project / "output" / "on-host.jsonl") == [1, 2, 3, 4, 5, 6]
    assert records(project / "output" / "in-container.jsonl") == [1, 2, 3, 4, 5, 6]


def test_a_failing_target_in_a_container_is_named_and_keeps_earlier_state(project: Path) -> None:
    result = meltano(
        project, "run", "--containers", "tap-x", "target-in-container",
        env={"TARGET_JSONL_EXIT_AT": "5", "TAP_COUNTER_RECORDS": "8"},
    )  # fmt: skip
    assert result.code == 1
    assert "target-in-container" in result.stderr
    assert records(project / "output" / "in-container.jsonl") == [1, 2, 3, 4]
    assert bookmark(project, "dev:tap-x-to-target-in-container") == 4


def test_el_runs_plugins_in_their_containers(project: Path) -> None:
    result = meltano(
        project, "el", "--containers", "tap-in-container", "target-in-container",
        "--state-id", "boxed",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert records(project / "output" / "in-container.jsonl") == [1, 2, 3, 4, 5, 6]
    assert bookmark(project, "boxed") == 6


SLOW = {"TAP_COUNTER_RECORDS": "100", "TAP_COUNTER_RECORD_DELAY": "0.2"}


def _run_until_a_container_runs(project: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    run_id = str(uuid.uuid4())
    process = start(project, "run", "--containers", "--run-id", run_id, *args, env=SLOW)
    assert wait_for(lambda: bookmark(project, f"dev:{args[0]}-to-{args[1]}"), 60, step=0.3), (
        "no state arrived from the container"
    )
    assert containers(f"{RUN_LABEL}={run_id}")
    return process, run_id


def test_sigterm_of_meltano_stops_and_removes_the_container(project: Path) -> None:
    process, run_id = _run_until_a_container_runs(project, "tap-in-container", "target-jsonl")
    began = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    done = finish(process, began)
    assert done.code == ExitCode.TERMINATED, done.stderr
    assert "ignored the request to stop" not in done.stderr
    assert containers(f"{RUN_LABEL}={run_id}") == []


def test_timeout_stops_the_container(project: Path) -> None:
    run_id = str(uuid.uuid4())
    result = meltano(
        project, "run", "--containers", "--timeout", "3", "--run-id", run_id, "tap-x",
        "target-in-container", env=SLOW,
    )  # fmt: skip
    assert result.code == ExitCode.TIMED_OUT and "timed out" in result.stderr.lower(), result.stderr
    assert containers(f"{RUN_LABEL}={run_id}") == []


def test_kill_9_of_meltano_leaves_no_container_running(project: Path) -> None:
    process, run_id = _run_until_a_container_runs(project, "tap-in-container", "target-jsonl")
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    assert wait_for(lambda: not containers(f"{RUN_LABEL}={run_id}"), 30, step=0.5), (
        "the watchdog did not remove the container"
    )


def _watchdogs(owner: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, ValueError):
                continue
            if b"container_watchdog" in cmdline and parent == owner:
                found.append(int(entry.name))
    return found


def test_the_next_containerized_start_removes_what_a_dead_meltano_left(project: Path) -> None:
    """meltano and its watchdog both killed: the container runs on, until meltano starts."""
    process, run_id = _run_until_a_container_runs(project, "tap-in-container", "target-jsonl")
    for pid in _watchdogs(process.pid):
        os.kill(pid, signal.SIGKILL)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    time.sleep(1)
    assert containers(f"{RUN_LABEL}={run_id}")  # nobody is left to remove it
    result = meltano(project, "invoke", "--containers", "tap-peek")
    assert result.code == 0, result.stderr
    assert "removed containers a meltano process left running when it died" in result.stderr
    assert containers(f"{RUN_LABEL}={run_id}") == []


def _first_record(process: subprocess.Popen[str], timeout: float) -> str:
    """What the process printed up to its first RECORD line (bounded: fails past `timeout`)."""
    assert process.stdout is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while '"RECORD"' not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and select.select([process.stdout], [], [], left)[0], (
            f"no RECORD within {timeout} s: {seen[-500:]!r}"
        )
        line = process.stdout.readline()  # the tap writes whole lines
        assert line, f"stdout ended before a RECORD: {seen[-500:]!r}"
        seen += line
    return seen


def test_ctrl_c_of_invoke_stops_the_container(project: Path) -> None:
    process = start(project, "invoke", "--containers", "tap-in-container", env=SLOW)
    owner = f"{PID_LABEL}={process.pid}"

    def extracting() -> bool:  # past catalog discovery: the container given the catalog
        return any("--catalog" in command for _, command in containers(owner))

    assert wait_for(extracting, 60, step=0.3), "the tap's container never started"
    first = _first_record(process, 60)  # the tap is extracting, not still importing
    began = time.monotonic()
    os.kill(process.pid, signal.SIGINT)
    done: Finished = finish(process, began)
    assert done.code == 130, done.stderr  # the tap's own exit status on SIGINT
    assert 0 < (first + done.stdout).count('"RECORD"') < 100
    assert containers(owner) == []


def test_a_missing_image_is_named_and_never_pulled(project: Path) -> None:
    result = meltano(project, "invoke", "--containers", "tap-missing")
    assert result.code == 1
    image = "meltano-test-missing:never-built"
    assert f"The image '{image}' of extractor 'tap-missing' is not on the Docker Engine" in (
        result.stderr
    )
    assert "meltano never pulls images" in result.stderr
    assert f"docker pull {image}" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_engine_error_is_given_with_the_engines_message(project: Path) -> None:
    result = meltano(project, "invoke", "--containers", "tap-bad-volume")
    assert result.code == 1
    assert "The Docker Engine could not create a container from" in result.stderr
    assert "no-such-mode" in result.stderr  # the engine's own words about the bad volume
    assert "Traceback" not in result.stderr
    assert containers("org.meltano.plugin=tap-bad-volume") == []


def test_a_stopped_engine_says_which_socket_was_tried(project: Path, tmp_path: Path) -> None:
    """A stopped dockerd leaves its socket file behind with nobody listening on it."""
    path = tmp_path / "docker.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()
    result = meltano(
        project, "invoke", "--containers", "tap-peek", env={"DOCKER_HOST": f"unix://{path}"}
    )
    assert result.code == 1
    assert f"No Docker Engine is reachable at unix://{path} (DOCKER_HOST)" in result.stderr
    assert "systemctl start docker" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_command_block_of_run_runs_in_its_container(project: Path) -> None:
    result = meltano(project, "run", "--containers", "boxed-util:hello")
    assert result.code == 1
    assert "hello-from-boxed-util" in result.stderr  # a command block's stdout is logged
    assert "boxed-util" in result.stderr and "4" in result.stderr
