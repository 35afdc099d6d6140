"""Plugins in containers: run one plugin command on the Docker Engine through aiodocker.

A `ContainerChild` is to a container what `subprocess.Popen` is to a process, for `pipes.py`:
create it (the image must be on the engine: we never pull), start it with its stdout and
stderr going to file descriptors like a process's, signal it, wait for its exit code, remove
it. Requests go through aiodocker; the container's streams are raw attach connections to
and from which the kernel moves the bytes of our pipes (`container_streams.py`), so records
pass a container's boundary without being copied into our memory.

Every container carries the run ID and its owner (machine, PID, process start) as labels.
A watchdog process removes them if we die without cleaning up (`kill -9`), and the next
containerized run of meltano removes any a dead owner left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.processes import children, container_streams
from meltano.core.processes.container_launch import (
    HOST_LABEL,
    RUN_LABEL,
    ContainerLaunch,
    create_body,
    is_stale,
    machine_id,
    owner_labels,
)
from meltano.core.processes.container_watchdog import Watchdog
from meltano.core.processes.outcome import exit_status

log = structlog.get_logger("meltano")

#: Where an engine listens when DOCKER_HOST is not set (the order aiodocker looks in).
DEFAULT_SOCKETS = ("/run/docker.sock", "/var/run/docker.sock", "~/.docker/run/docker.sock")
#: Seconds any one engine request may take (creating, inspecting, removing).
REQUEST_TIMEOUT = 60.0
#: Seconds we wait for a container's output to be passed on after it exited.
OUTPUT_DRAIN_TIMEOUT = 2.0


class EngineUnreachableError(MeltanoError):
    """No Docker Engine answers where we looked."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(
            f"No Docker Engine is reachable at {where}: {why}",
            "Start one (`sudo systemctl start docker`, or `sudo dockerd &`), or point "
            "DOCKER_HOST at a running engine; run without --containers to use virtualenvs",
        )


class ImageMissingError(MeltanoError):
    """The image a container_spec names is not on the engine."""

    def __init__(self, image: str, owner: str, address: str) -> None:
        super().__init__(
            f"The image {image!r} of {owner} is not on the Docker Engine at {address}; "
            "meltano never pulls images",
            f"Pull or build it first (`docker pull {image}`, or `docker build -t {image} .`)",
        )


class EngineError(MeltanoError):
    """The engine refused a request; its own message says why."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(
            f"The Docker Engine could not {action}: {message}",
            "Check the container_spec in meltano.yml and the engine (`docker info`)",
        )


def engine_address(environ: Mapping[str, str]) -> str | None:
    """DOCKER_HOST, else the first default socket that exists (None: none does)."""
    if environ.get("DOCKER_HOST"):
        return environ["DOCKER_HOST"]
    for candidate in DEFAULT_SOCKETS:
        path = Path(candidate).expanduser()
        if path.is_socket():
            return f"unix://{path}"
    return None


def _docker_error() -> tuple[type[BaseException], ...]:
    import aiohttp
    from aiodocker.exceptions import DockerError

    return (DockerError, aiohttp.ClientError, OSError, asyncio.TimeoutError)


def _message(error: BaseException) -> str:
    message = getattr(error, "message", None)
    return str(message or error).strip() or type(error).__name__


class Engine:
    """One connection to the Docker Engine for a whole run (aiodocker is imported here)."""

    def __init__(self, docker: Any, address: str, api_version: str) -> None:
        self.docker = docker
        self.address = address
        self.api_version = api_version
        self.machine = machine_id()
        self.owner = owner_labels()

    @classmethod
    async def open(cls, environ: Mapping[str, str] | None = None) -> Engine:
        """Connect and check the engine answers; `EngineUnreachableError` says where we tried."""
        import aiodocker

        environ = os.environ if environ is None else environ
        address = engine_address(environ)
        where = f"{address} (DOCKER_HOST)" if environ.get("DOCKER_HOST") else address
        if address is None:
            raise EngineUnreachableError(
                " or ".join(DEFAULT_SOCKETS), "no such socket, and DOCKER_HOST is not set"
            )
        try:
            docker = aiodocker.Docker(url=address)
        except (ValueError, AssertionError) as error:
            raise EngineUnreachableError(str(where), str(error) or "not a Docker address") from None
        try:
            version = await asyncio.wait_for(docker.version(), REQUEST_TIMEOUT)
        except _docker_error() as error:
            await docker.close()
            raise EngineUnreachableError(str(where), _message(error)) from None
        except BaseException:
            await docker.close()
            raise
        return cls(docker, address, f"v{version.get('ApiVersion', '1.41')}")

    async def close(self) -> None:
        await self.docker.close()

    async def _call(self, action: str, awaitable: Any) -> Any:
        try:
            return await asyncio.wait_for(awaitable, REQUEST_TIMEOUT)
        except _docker_error() as error:
            raise EngineError(action, _message(error)) from None

    async def image_entrypoint(self, image: str, owner: str) -> list[str] | None:
        """The image's ENTRYPOINT; `ImageMissingError` when the engine does not have it."""
        from aiodocker.exceptions import DockerError

        try:
            details = await asyncio.wait_for(self.docker.images.inspect(image), REQUEST_TIMEOUT)
        except DockerError as error:
            if error.status == 404:
                raise ImageMissingError(image, owner, self.address) from None
            raise EngineError(f"inspect image {image!r}", _message(error)) from None
        except _docker_error() as error:
            raise EngineError(f"inspect image {image!r}", _message(error)) from None
        entrypoint = (details.get("Config") or {}).get("Entrypoint")
        return list(entrypoint) if entrypoint else None

    async def remove_stale(self) -> list[str]:
        """Remove containers whose owning meltano process died (names of those removed)."""
        filters = {"label": [f"{HOST_LABEL}={self.machine}"]}
        listed = await self._call(
            "list containers", self.docker.containers.list(all=True, filters=filters)
        )
        removed = []
        for container in listed:
            if is_stale(container["Labels"] or {}, machine=self.machine):
                with contextlib.suppress(*_docker_error()):
                    await asyncio.wait_for(container.delete(force=True), REQUEST_TIMEOUT)
                    removed.append(str((container["Names"] or ["?"])[0]).lstrip("/"))
        return removed

    async def remove_run(self, run_id: str) -> None:
        """Remove every container of one run, running or not."""
        filters = {"label": [f"{RUN_LABEL}={run_id}"]}
        for container in await self._call(
            "list containers", self.docker.containers.list(all=True, filters=filters)
        ):
            with contextlib.suppress(*_docker_error()):
                await asyncio.wait_for(container.delete(force=True), REQUEST_TIMEOUT)

    async def hijack(self, container_id: str, streams: str) -> tuple[socket.socket, bytes]:
        """A raw connection to a container's `streams` (see `container_streams.hijack`)."""
        if str(self.docker.docker_host).startswith("https://"):
            raise EngineError(
                f"attach to the container's {streams}",
                f"{self.address} is a TLS engine; a plugin's streams can only be attached on a "
                "local socket or a plain TCP engine",
            )
        try:
            return await asyncio.to_thread(
                container_streams.hijack, self.address, self.api_version, container_id, streams
            )
        except (OSError, container_streams.AttachError) as error:
            raise EngineError(f"attach to the container's {streams}", str(error)) from None


class ContainerChild:
    """One plugin command in a container, from creation to removal."""

    def __init__(
        self, engine: Engine, launch: ContainerLaunch, container: Any, *, stdin: bool
    ) -> None:
        self.engine = engine
        self.launch = launch
        self.container = container
        self.takes_input = stdin
        self.returncode: int | None = None
        self._output: asyncio.Future[None] | None = None
        self._input: asyncio.Future[None] | None = None
        self._sockets: list[socket.socket] = []
        self._exit: asyncio.Future[int] | None = None

    @classmethod
    async def create(
        cls, engine: Engine, launch: ContainerLaunch, *, stdin: bool
    ) -> ContainerChild:
        """Create (not start) the container; the image must be there already."""
        entrypoint = await engine.image_entrypoint(launch.image, launch.owner or launch.plugin)
        body = create_body(launch, image_entrypoint=entrypoint, owner=engine.owner, stdin=stdin)
        container = await engine._call(
            f"create a container from {launch.image!r}",
            engine.docker.containers.create(body, name=launch.name),
        )
        return cls(engine, launch, container, stdin=stdin)

    @property
    def id(self) -> str:
        return str(self.container.id)

    async def start(self, *, stdout: int, stderr: int, stdin: int | None = None) -> None:
        """Start it, its output going to `stdout` and `stderr`, its input read from `stdin`
        (None: it has none).

        The descriptors (blocking) become the container's once it started: they are closed
        when its streams end, so readers see end of file as from a process that exited. If
        starting fails they are still the caller's.
        """
        output, ahead = await self.engine.hijack(self.id, "stdout,stderr")
        self._sockets.append(output)
        if stdin is not None:
            feed, _ = await self.engine.hijack(self.id, "stdin")
            self._sockets.append(feed)
        await self.engine._call(f"start {self.launch.name}", self.container.start())
        name = self.launch.name
        self._output = container_streams.in_thread(
            functools.partial(container_streams.pump_output, output, ahead, stdout, stderr),
            f"{name} output",
        )
        if stdin is not None:
            self._input = container_streams.in_thread(
                functools.partial(container_streams.pump_input, stdin, feed), f"{name} input"
            )
        self._exit = asyncio.ensure_future(self._wait())

    async def _wait(self) -> int:
        try:
            status = await self.container.wait()
        except _docker_error() as error:
            raise EngineError(f"follow {self.launch.name}", _message(error)) from None
        return int(status.get("StatusCode", 1))

    async def wait(self) -> int:
        """Its exit code, once it exited and everything it wrote was passed on."""
        assert self._exit is not None, "start() first"
        code = await self._exit
        if self._output is not None:  # the engine ends the stream when the container ends
            await asyncio.wait([self._output], timeout=OUTPUT_DRAIN_TIMEOUT)
        self.returncode = code
        return code

    def poll(self) -> int | None:
        return self.returncode

    def send(self, signum: int) -> bool:
        """Signal the container's main process (without waiting); False once it has exited."""
        if self.returncode is not None or (self._exit is not None and self._exit.done()):
            return False
        task = asyncio.ensure_future(self.container.kill(signal=signal.Signals(signum).name))
        task.add_done_callback(_ignore_result)
        return True

    async def remove(self) -> None:
        """Kill it if it still runs, delete it (and what it wrote inside), close its streams."""
        with contextlib.suppress(*_docker_error()):
            await asyncio.wait_for(self.container.delete(force=True), REQUEST_TIMEOUT)
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        pending = [f for f in (self._output, self._input, self._exit) if f is not None]
        if pending:
            await asyncio.wait(pending, timeout=OUTPUT_DRAIN_TIMEOUT)
        for future in pending:
            if future.done() and not future.cancelled():
                future.exception()  # retrieved: a removed container's errors are moot
            elif not future.done():
                future.cancel()
        for sock in self._sockets:
            sock.close()


def _ignore_result(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # a container that already stopped cannot be signalled: fine


class ContainerSession:
    """The engine connection, the watchdog and the containers of one pipeline or invocation.

    The engine is opened with the first container (so runs without containers never import
    aiodocker); `close` removes every container it created, whatever happened.
    """

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.watchdog: Watchdog | None = None
        self.children: list[ContainerChild] = []
        self.run_ids: set[str] = set()

    async def create(self, launch: ContainerLaunch, *, stdin: bool) -> ContainerChild:
        if self.engine is None:
            self.engine = await Engine.open()
            removed = await self.engine.remove_stale()
            if removed:
                log.warning(
                    "removed containers a meltano process left running when it died",
                    containers=removed,
                )
        if self.watchdog is None:  # before any container exists, so kill -9 is covered
            self.watchdog = Watchdog.start(self.engine.address, launch.run_id)
        self.run_ids.add(launch.run_id)  # one per session in practice: a run, an invocation
        child = await ContainerChild.create(self.engine, launch, stdin=stdin)
        self.children.append(child)
        return child

    async def close(self) -> None:
        if self.engine is None:
            return
        try:
            await asyncio.gather(*(child.remove() for child in self.children))
            for run_id in self.run_ids:
                with contextlib.suppress(MeltanoError):
                    await self.engine.remove_run(run_id)
        finally:
            if self.watchdog is not None:
                self.watchdog.done()
            await self.engine.close()


async def run_attached(
    launch: ContainerLaunch, *, grace_period: float, forward_signals: bool
) -> int:
    """Run one plugin command in a container on our own stdin, stdout and stderr (`invoke`).

    SIGINT and SIGTERM go to the container (it is not in our process group, so Ctrl-C at
    the terminal would not reach it otherwise); SIGKILL follows SIGTERM after the grace period.
    """
    session = ContainerSession()
    loop = asyncio.get_running_loop()
    timers: list[asyncio.TimerHandle] = []
    stdin = _dup(0)  # None when we have no stdin at all
    try:
        child = await session.create(launch, stdin=stdin is not None)

        def forward(signum: int) -> None:
            child.send(signum)
            if signum == signal.SIGTERM:
                timers.append(loop.call_later(grace_period, child.send, signal.SIGKILL))

        with children.signals_handled(forward, enabled=forward_signals):
            stdout, stderr = os.dup(1), os.dup(2)
            try:
                await child.start(stdout=stdout, stderr=stderr, stdin=stdin)
            except BaseException:
                children.close_quietly(stdout)
                children.close_quietly(stderr)
                raise
            stdin = None  # the container's now
            code = await child.wait()
    finally:
        for timer in timers:
            timer.cancel()
        children.close_quietly(stdin)
        await session.close()
    return exit_status(code)


def _dup(fd: int) -> int | None:
    try:
        return os.dup(fd)
    except OSError:
        return None
