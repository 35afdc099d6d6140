"""What the Docker Engine is asked to run for one plugin command: pure values and functions.

`plugins/invocation.py` turns a plugin's `container_spec` into a `ContainerLaunch`; the
container runtime (`containers.py`) sends `create_body(...)` to the engine. Nothing here talks
to the engine, so every rule (command words, ports, labels, who owns a container) is unit
tested without one.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Labels every container we create carries: the run it belongs to and the process that owns it.
RUN_LABEL = "org.meltano.run-id"
PLUGIN_LABEL = "org.meltano.plugin"
HOST_LABEL = "org.meltano.owner-host"
PID_LABEL = "org.meltano.owner-pid"
START_LABEL = "org.meltano.owner-start"


@dataclass(frozen=True)
class ContainerLaunch:
    """One plugin command to run in a container, as the engine needs it.

    `argv` is what Meltano runs for the plugin (executable, `--config FILE`, ...). A plugin-level
    spec runs it in the image, with `command` (when given) in place of the executable. A
    command-level spec (`replaces_argv`) runs its own `command` as 4.4.1 does, followed by the
    arguments typed after `meltano invoke PLUGIN:COMMAND`.
    """

    plugin: str
    image: str
    name: str
    owner: str = ""  # "extractor 'tap-x'", for messages
    argv: tuple[str, ...] = ()
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    replaces_argv: bool = False
    extra_args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    binds: tuple[str, ...] = ()  # `host:container[:options]`
    ports: tuple[tuple[str, str], ...] = ()  # (host port, container port[/protocol])
    run_id: str = ""


def container_name(plugin: str, command: str | None) -> str:
    """`meltano-<plugin>--<command>-<uuid>` as 4.4.1 names them (`meltano-<plugin>-<uuid>`)."""
    middle = f"{plugin}--{command}" if command else plugin
    return f"meltano-{middle}-{uuid.uuid4()}"


def words(launch: ContainerLaunch, image_entrypoint: Sequence[str] | None) -> tuple[Any, Any]:
    """The container's `Entrypoint` and `Cmd` (None: the image's own).

    A plugin-level spec without `command` runs the plugin's executable, unless the image has
    an ENTRYPOINT of its own (and the spec none): then that entrypoint is the plugin, and only
    Meltano's arguments follow it, as in `docker run IMAGE --config FILE`.
    """
    entrypoint = list(launch.entrypoint) if launch.entrypoint else None
    if launch.replaces_argv:
        if launch.command is None:
            return entrypoint, list(launch.extra_args) or None
        return entrypoint, [*launch.command, *launch.extra_args]
    executable, args = launch.argv[:1], list(launch.argv[1:])
    if launch.command is not None:
        head = list(launch.command)
    elif entrypoint is None and image_entrypoint:
        head = []
    else:
        head = list(executable)
    return entrypoint, [*head, *args]


def _container_port(port: str) -> str:
    return port if "/" in port else f"{port}/tcp"


def create_body(
    launch: ContainerLaunch,
    *,
    image_entrypoint: Sequence[str] | None,
    owner: Mapping[str, str],
    stdin: bool,
) -> dict[str, Any]:
    """The JSON body of `POST /containers/create`.

    The json-file log driver is off: we attach to the streams, and a copy of every record in
    the engine's log directory would cost disk and CPU for nothing. The engine's init
    process runs as PID 1 and passes signals on, so a plugin stops on SIGTERM as it would
    outside a container.
    """
    entrypoint, cmd = words(launch, image_entrypoint)
    exposed: dict[str, dict[str, str]] = {_container_port(inside): {} for _, inside in launch.ports}
    bindings: dict[str, list[dict[str, str]]] = {}
    for host, inside in launch.ports:
        bindings.setdefault(_container_port(inside), []).append({"HostPort": host})
    body: dict[str, Any] = {
        "Image": launch.image,
        "Env": [f"{name}={value}" for name, value in launch.env.items()],
        "Labels": {RUN_LABEL: launch.run_id, PLUGIN_LABEL: launch.plugin, **owner},
        "AttachStdin": stdin,
        "OpenStdin": stdin,
        "StdinOnce": stdin,
        "AttachStdout": True,
        "AttachStderr": True,
        "Tty": False,
        "ExposedPorts": exposed,
        "HostConfig": {
            "Binds": list(launch.binds),
            "PortBindings": bindings,
            "LogConfig": {"Type": "none", "Config": {}},
            "Init": True,  # the plugin is not PID 1, which would ignore SIGTERM and SIGINT
        },
    }
    if entrypoint is not None:
        body["Entrypoint"] = entrypoint
    if cmd is not None:
        body["Cmd"] = cmd
    return body


def machine_id() -> str:
    """Which machine (and boot of it) owns a container: PIDs only mean something there."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        boot = ""
    return f"{socket.gethostname()}/{boot}" if boot else socket.gethostname()


def process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot), or None if there is no such process.

    With the PID this identifies a process for good: a PID reused later has another start.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None if not _alive(pid) else ""
    return stat.rpartition(")")[2].split()[19]  # field 22, counted after the command name


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_labels() -> dict[str, str]:
    """Labels naming this process as the owner of the containers it creates."""
    pid = os.getpid()
    return {HOST_LABEL: machine_id(), PID_LABEL: str(pid), START_LABEL: process_start(pid) or ""}


def is_stale(labels: Mapping[str, str], *, machine: str) -> bool:
    """Whether a container's owner was a process of this machine that no longer runs."""
    if labels.get(HOST_LABEL) != machine:
        return False  # another machine's container: its owner may be alive there
    try:
        pid = int(labels.get(PID_LABEL, ""))
    except ValueError:
        return False
    started = process_start(pid)
    return started is None or started != labels.get(START_LABEL, "")
