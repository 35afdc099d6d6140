"""What the engine is asked to run: command words, the create body, who owns a container."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from meltano.core.processes.container_launch import (
    HOST_LABEL,
    PID_LABEL,
    RUN_LABEL,
    START_LABEL,
    ContainerLaunch,
    container_name,
    create_body,
    is_stale,
    machine_id,
    owner_labels,
    process_start,
    words,
)

ARGV = ("tap-x", "--config", "/p/.meltano/run/tap-x/tap.c.json")


def launch(**changes: object) -> ContainerLaunch:
    fields: dict = {"plugin": "tap-x", "image": "acme/tap-x:1", "name": "n", "argv": ARGV}
    return ContainerLaunch(**{**fields, **changes})


def test_a_plugin_spec_runs_the_plugins_argv_in_the_image() -> None:
    assert words(launch(), image_entrypoint=None) == (None, list(ARGV))


def test_the_spec_command_replaces_the_executable_and_meltanos_arguments_follow() -> None:
    entrypoint, cmd = words(launch(command=("python3", "-m", "tap_x")), image_entrypoint=None)
    assert entrypoint is None
    assert cmd == ["python3", "-m", "tap_x", *ARGV[1:]]


def test_an_image_whose_entrypoint_is_the_plugin_gets_only_meltanos_arguments() -> None:
    assert words(launch(), image_entrypoint=["tap-x"]) == (None, list(ARGV[1:]))
    # with an entrypoint of the spec's own, the executable is its first argument again
    entrypoint, cmd = words(launch(entrypoint=("/bin/run",)), image_entrypoint=["tap-x"])
    assert entrypoint == ["/bin/run"] and cmd == list(ARGV)


def test_a_command_spec_runs_its_own_command_as_4_4_1_does() -> None:
    spec = launch(replaces_argv=True, command=("dbt", "run"), extra_args=("--full-refresh",))
    assert words(spec, image_entrypoint=["ignored"]) == (None, ["dbt", "run", "--full-refresh"])
    bare = launch(replaces_argv=True, entrypoint=("sh",), command=None)
    assert words(bare, image_entrypoint=None) == (["sh"], None)  # the image's CMD


def test_the_create_body_binds_ports_labels_and_input() -> None:
    body = create_body(
        launch(
            env={"A": "1"},
            binds=("/p/run:/p/run:ro", "/data:/data"),
            ports=(("5432", "5432/tcp"), ("18080", "80")),
            run_id="r-1",
        ),
        image_entrypoint=None,
        owner={HOST_LABEL: "m"},
        stdin=True,
    )
    assert body["Image"] == "acme/tap-x:1" and body["Env"] == ["A=1"]
    assert body["Labels"] == {RUN_LABEL: "r-1", "org.meltano.plugin": "tap-x", HOST_LABEL: "m"}
    assert body["ExposedPorts"] == {"5432/tcp": {}, "80/tcp": {}}
    host = body["HostConfig"]
    assert host["PortBindings"] == {
        "5432/tcp": [{"HostPort": "5432"}],
        "80/tcp": [{"HostPort": "18080"}],
    }
    assert host["Binds"] == ["/p/run:/p/run:ro", "/data:/data"]
    assert host["LogConfig"]["Type"] == "none"  # records are not copied into engine logs
    assert host["Init"] is True  # the plugin is not PID 1, so SIGTERM stops it
    assert body["OpenStdin"] and body["StdinOnce"] and body["AttachStdin"]
    assert body["Tty"] is False
    assert "Entrypoint" not in body and body["Cmd"] == list(ARGV)
    without_input = create_body(launch(), image_entrypoint=None, owner={}, stdin=False)
    assert not without_input["OpenStdin"] and not without_input["StdinOnce"]


def test_container_names_follow_4_4_1() -> None:
    assert re.fullmatch(r"meltano-dbt--run-[0-9a-f-]{36}", container_name("dbt", "run"))
    assert re.fullmatch(r"meltano-tap-x-[0-9a-f-]{36}", container_name("tap-x", None))


def test_our_own_containers_are_not_stale() -> None:
    labels = owner_labels()
    assert labels[PID_LABEL] == str(os.getpid())
    assert not is_stale(labels, machine=machine_id())


def test_a_dead_owner_or_a_reused_pid_makes_a_container_stale() -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    dead = {HOST_LABEL: machine_id(), PID_LABEL: done.stdout.strip(), START_LABEL: "1"}
    assert process_start(int(done.stdout)) is None
    assert is_stale(dead, machine=machine_id())
    reused = {**owner_labels(), START_LABEL: "0"}  # our PID, but another process's start
    assert is_stale(reused, machine=machine_id())


def test_another_machines_containers_are_never_ours_to_remove() -> None:
    other = {HOST_LABEL: "elsewhere/boot", PID_LABEL: "999999999", START_LABEL: "1"}
    assert not is_stale(other, machine=machine_id())
    assert not is_stale({}, machine=machine_id())
