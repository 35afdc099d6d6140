"""The only module that spawns plugin processes and connects them.

`run_pipeline` runs `tap | mapper | target` the way a shell does: each process's stdout is the
next one's stdin through an `os.pipe()`, so records never pass through our process. We read only
what is small: the last process's stdout (STATE messages) and every process's stderr (logs).
A fan-out (`tap | mapper | {target-a, target-b}`) gives several loaders the same input through
a kernel copy (`tee.py`); each loader's stdout is read for its STATE messages.
`run_command` runs one plugin attached to our own terminal, for `meltano invoke`.

A command with a `container` runs in a Docker container instead (`containers.py`), wired the
same way: its stdin, stdout and stderr are our pipes, between which and the engine the kernel
moves the bytes, so the rest of this module treats processes and containers alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meltano.core.errors import MeltanoError
from meltano.core.processes import children, tee
from meltano.core.processes.container_launch import ContainerLaunch
from meltano.core.processes.containers import ContainerChild, ContainerSession, run_attached
from meltano.core.processes.lines import (
    DEFAULT_LINE_LIMIT,
    DEFAULT_LOG_LINE_LIMIT,
    LineSplitter,
    LineTooLongError,
    Tail,
)
from meltano.core.processes.outcome import (
    Overflow,
    PipelineOutcome,
    ProcessResult,
    StopReason,
    exit_status,
    interpret,
)
from meltano.core.processes.redact import Redactor

#: Seconds a plugin gets to stop after SIGTERM/SIGINT before we send SIGKILL.
DEFAULT_GRACE_PERIOD = 5.0
#: Seconds a process whose reader has ended gets before SIGKILL: its output has nowhere to go.
UPSTREAM_GRACE_PERIOD = 0.5
#: Seconds we keep reading after every process exited (a leftover grandchild may hold a pipe).
DRAIN_TIMEOUT = 2.0
#: Bytes of the pipes to and from a container: at 1M records, 1 MiB instead of 64 KiB cut the
#: CPU of moving the records into the engine by three quarters (bench/containers.py).
CONTAINER_PIPE_SIZE = 1_048_576

StateHandler = Callable[[bytes], object]  # may return an awaitable; it is then awaited
LogHandler = Callable[[int, bytes], object]  # may also have `many(index, lines)` for batches


@dataclass(frozen=True)
class PluginCommand:
    """One process to start: `name` is the plugin name used in messages."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None  # None: our own environment
    cwd: Path | str | None = None
    plugin_type: str | None = None  # None: extractor, mapper or loader by position
    container: ContainerLaunch | None = None  # run `argv` in this container instead


class PluginStartError(MeltanoError):
    """A plugin's executable could not be started."""

    def __init__(self, command: PluginCommand, error: OSError) -> None:
        super().__init__(
            f"Could not start {command.name}: {error.filename or command.argv[0]}: "
            f"{error.strerror or error}",
            "Check that the plugin is installed (`meltano install`) and its executable is right",
        )


async def run_pipeline(
    commands: Sequence[PluginCommand],
    *,
    on_state: StateHandler | Sequence[StateHandler] | None,
    on_log: LogHandler,
    timeout: float | None = None,
    line_limit: int = DEFAULT_LINE_LIMIT,
    log_line_limit: int = DEFAULT_LOG_LINE_LIMIT,
    grace_period: float = DEFAULT_GRACE_PERIOD,
    forward_signals: bool = True,
    stdout_to: int | None = None,
    redactor: Redactor | None = None,
) -> PipelineOutcome:
    """Run `cmd0 | cmd1 | ... | cmdN`; hand the last stdout and every stderr to the handlers.

    `on_state(line)` gets each line of the last process's stdout, in order; `on_log(index,
    line)` each stderr line of process `index` (bytes, without the newline; use
    `lines.decode_line`). With `on_state=None` (a command block such as `dbt:run`) the last
    stdout is a log like stderr: lines go to `on_log`, cut at `log_line_limit`, never fatal.
    With `stdout_to` (a file descriptor, e.g. of the file a discovery writes its catalog to)
    the last process writes its stdout there itself and `on_state` is not called.
    With a `redactor`, every log line (stderr, and a last stdout read as a log) has the run's
    secrets masked before `on_log` and the failure summary see it; STATE lines are not
    touched (they are the target's bookmarks).
    An exception from a handler stops the pipeline and is re-raised.
    SIGINT/SIGTERM to us and `timeout` stop every process; the outcome says why.

    A sequence of N handlers as `on_state` makes the last N commands loaders that each get all
    of the previous command's output (a fan-out); handler `i` gets loader `i`'s stdout lines.
    A loader that ends before the end of its input stops every other process of the pipeline.
    """
    if not commands:
        raise ValueError("a pipeline needs at least one command")
    handlers = list(on_state) if isinstance(on_state, Sequence) else [on_state] if on_state else []
    branches = max(1, len(handlers))
    if branches > 1 and (stdout_to is not None or branches >= len(commands)):
        raise ValueError("a fan-out needs a command before its loaders, and no stdout_to")
    if branches > 1 and not tee.is_available():
        raise MeltanoError(
            "Loading into several loaders at once needs the Linux system calls tee(2) and "
            "splice(2), which this system does not have",
            "Run one `EXTRACTOR LOADER` set per loader instead",
        )
    pipeline = _Pipeline(
        commands,
        line_limit=line_limit,
        log_line_limit=log_line_limit,
        stdout_to=stdout_to,
        branches=branches,
        redactor=redactor,
    )
    return await pipeline.run(
        handlers or None,
        on_log,
        timeout=timeout,
        grace=grace_period,
        forward_signals=forward_signals,
    )


async def run_command(
    command: PluginCommand,
    *,
    grace_period: float = DEFAULT_GRACE_PERIOD,
    forward_signals: bool = True,
) -> int:
    """Run one plugin on our stdin/stdout/stderr; return its shell-style exit status.

    The plugin stays in our process group so it can use the terminal. SIGTERM is passed on
    (SIGKILL after the grace period); SIGINT too, unless the terminal already delivered it.
    """
    if command.container is not None:
        return await run_attached(
            command.container, grace_period=grace_period, forward_signals=forward_signals
        )
    try:
        process = _popen(command, children.child_setup(group=None))
    except OSError as error:
        raise PluginStartError(command, error) from error
    loop = asyncio.get_running_loop()
    timers: list[asyncio.TimerHandle] = []

    def forward(signum: int) -> None:
        # Ctrl-C at the terminal already reached the child, which shares our foreground group.
        if signum == signal.SIGINT and _terminal_group() == os.getpgrp():
            return
        children.send(process, signum)
        if signum == signal.SIGTERM:
            timers.append(loop.call_later(grace_period, children.send, process, signal.SIGKILL))

    try:
        with children.signals_handled(forward, enabled=forward_signals):
            returncode = await children.wait_exit(process)
    except BaseException:
        children.send(process, signal.SIGKILL)
        process.wait(timeout=DRAIN_TIMEOUT)
        raise
    finally:
        for timer in timers:
            timer.cancel()
    return exit_status(returncode)


def _terminal_group() -> int | None:
    try:
        return os.tcgetpgrp(0)
    except OSError:
        return None


def _popen(
    command: PluginCommand,
    setup: Callable[[], None],
    *,
    stdin: int | None = None,
    stdout: int | None = None,
    stderr: int | None = None,
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # argv comes from the project's plugin definitions
        list(command.argv),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=None if command.env is None else dict(command.env),
        cwd=command.cwd,
        preexec_fn=setup,  # only os/prctl calls: safe after fork
        close_fds=True,
    )


def _send(child: _Child, signum: int) -> bool:
    """Signal a process or a container that has not ended yet; False once it has."""
    if child.container is not None:
        return child.container.send(signum)
    assert child.process is not None  # a _Child is a process or a container
    return children.send(child.process, signum)


def _plugin_type(command: PluginCommand, index: int, count: int, branches: int = 1) -> str:
    if command.plugin_type is not None:
        return command.plugin_type
    if count == 1:
        return "plugin"
    return "extractor" if index == 0 else "loader" if index >= count - branches else "mapper"


@dataclass
class _Child:
    """What we track about one running process of a pipeline."""

    command: PluginCommand
    plugin_type: str
    process: subprocess.Popen[bytes] | None  # None: it runs in `container`
    stderr: int  # read end of its stderr pipe
    feed: int | None  # our copy of the read end of its stdin pipe, to see if it read it all
    container: ContainerChild | None = None
    group: int | None = None
    returncode: int | None = None
    stopped: bool = False
    unread_input: bool = False
    killed: bool = False
    tail: Tail = field(default_factory=Tail)

    def result(self) -> ProcessResult:
        assert self.returncode is not None  # only called after every exit
        return ProcessResult(
            name=self.command.name,
            plugin_type=self.plugin_type,
            returncode=self.returncode,
            stopped=self.stopped,
            unread_input=self.unread_input,
            killed_after_grace=self.killed,
            stderr_tail=self.tail.lines(),
        )


class _Pipeline:
    """One run of connected processes, from spawning to the last reaped exit."""

    def __init__(
        self,
        commands: Sequence[PluginCommand],
        *,
        line_limit: int,
        log_line_limit: int,
        stdout_to: int | None = None,
        branches: int = 1,
        redactor: Redactor | None = None,
    ) -> None:
        self.commands = commands
        self.stdout_to = stdout_to
        self.redactor = redactor
        self.line_limit = line_limit
        self.log_line_limit = log_line_limit
        self.children: list[_Child] = []
        self.first_loader = len(commands) - branches  # the last `branches` read the same input
        self.stdouts: list[int] = []  # read ends of the loaders' (or last process's) stdout
        # A fan-out: the pipe the loaders' input comes from, our write ends of their stdin
        # pipes, and the kernel copy between them.
        self.source: int | None = None
        self.branch_inputs: list[int] = []
        self.copy: tee.PipeCopy | None = None
        self.stop_reason: StopReason | None = None
        self.stop_signal: int = signal.SIGTERM  # what `stop` sent, for those started after it
        self.overflow: Overflow | None = None
        self.handler_error: BaseException | None = None
        self.timers: list[asyncio.TimerHandle] = []
        self.grace = DEFAULT_GRACE_PERIOD
        self.session: ContainerSession | None = None  # opened with the first container
        self.pipes: set[str] = set()  # every pipe of the run, as /proc names them

    async def run(
        self,
        on_state: Sequence[StateHandler] | None,
        on_log: LogHandler,
        *,
        timeout: float | None,
        grace: float,
        forward_signals: bool,
    ) -> PipelineOutcome:
        self.grace = grace
        loop = asyncio.get_running_loop()
        try:
            # Handlers first: starting a container takes a while, and a signal meanwhile
            # must stop what started, not kill us with containers left running.
            with children.signals_handled(self._on_signal, enabled=forward_signals):
                await self._spawn()
                self._start_copy(loop)
                if self.stop_reason is not None:  # a signal came while we were starting
                    self.stop(self.stop_reason, self.stop_signal)
                if timeout is not None:
                    self.timers.append(loop.call_later(timeout, self.stop, StopReason.TIMEOUT))
                last = len(self.children) - 1
                readers: list[asyncio.Future[None]] = []
                if on_state is not None and self.stdouts:
                    readers += [
                        asyncio.ensure_future(self._read_state(branch, handler))
                        for branch, handler in enumerate(on_state)
                    ]
                elif self.stdouts:  # else the last process writes to `stdout_to`
                    readers.append(
                        asyncio.ensure_future(self._read_log(last, on_log, self.stdouts[0]))
                    )
                readers += [
                    asyncio.ensure_future(self._read_log(index, on_log))
                    for index in range(len(self.children))
                ]
                try:
                    await asyncio.gather(*(self._watch(i) for i in range(len(self.children))))
                except BaseException:
                    for reader in readers:
                        reader.cancel()
                    raise
                for timer in self.timers:  # every process ended: no timeout any more
                    timer.cancel()
                self._end_copy()
                self._kill_leftovers()  # so no leaked grandchild keeps our pipes open
                await children.finish(readers, DRAIN_TIMEOUT)
        except BaseException:  # cancelled or interrupted: no plugin outlives us
            self._kill_everything()
            raise
        finally:
            for timer in self.timers:
                timer.cancel()
            self._end_copy()
            if self.session is not None:  # every container removed, whatever happened
                await self.session.close()
            self._close_fds()
        if self.handler_error is not None:
            raise self.handler_error
        results = tuple(child.result() for child in self.children)
        error = interpret(results, stop=self.stop_reason, timeout=timeout, overflow=self.overflow)
        return PipelineOutcome(results, error)

    async def _spawn(self) -> None:
        count = len(self.commands)
        branches = count - self.first_loader
        upstream: int | None = None  # read end of the previous process's stdout pipe
        group = 0  # the first process leads the pipeline's process group
        try:
            for index, command in enumerate(self.commands):
                last = index >= self.first_loader
                stdin = upstream
                if last and branches > 1:  # each loader reads its own copy of the input
                    if index == self.first_loader and upstream is not None:
                        self.source = upstream
                        tee.enlarge(upstream)
                    stdin, branch_input = os.pipe()
                    tee.enlarge(branch_input)
                    self.branch_inputs.append(branch_input)
                plugin_type = _plugin_type(command, index, count, branches)
                if command.container is not None:
                    child, stdout_read = await self._start_container(
                        command, plugin_type, stdin, last
                    )
                else:
                    child, stdout_read = self._start_process(
                        command, plugin_type, stdin, last, group
                    )
                    group = group or (child.group or 0)
                self.children.append(child)
                self.pipes |= {
                    children.pipe_id(fd)
                    for fd in (stdout_read, child.stderr, stdin)
                    if fd is not None
                }
                if last:
                    if stdout_read is not None:
                        self.stdouts.append(stdout_read)
                else:
                    upstream = stdout_read
        except BaseException:
            self._kill_everything()
            raise

    def _stdout_of(self, last: bool) -> tuple[int | None, int]:
        """Read and write ends of where a process writes its stdout (no read end: a loader
        writes to `stdout_to` itself)."""
        if last and self.stdout_to is not None:
            return None, os.dup(self.stdout_to)
        return children.reader_pipe() if last else os.pipe()

    def _start_process(
        self, command: PluginCommand, plugin_type: str, stdin: int | None, last: bool, group: int
    ) -> tuple[_Child, int | None]:
        """Spawn one process reading `stdin`; return it and the read end of its stdout."""
        stdout_read, stdout_write = self._stdout_of(last)
        stderr_read, stderr_write = children.reader_pipe()
        try:
            process = _popen(
                command,
                children.child_setup(group=group),
                stdin=subprocess.DEVNULL if stdin is None else stdin,
                stdout=stdout_write,
                stderr=stderr_write,
            )
        except OSError as error:
            for fd in (stdout_read, stderr_read, stdin):
                children.close_quietly(fd)
            raise PluginStartError(command, error) from error
        finally:  # the child holds its own copies of these now
            children.close_quietly(stdout_write)
            children.close_quietly(stderr_write)
        child = _Child(command, plugin_type, process, stderr_read, stdin)
        child.group = children.group_of(process)
        return child, stdout_read

    async def _start_container(
        self, command: PluginCommand, plugin_type: str, stdin: int | None, last: bool
    ) -> tuple[_Child, int | None]:
        """Start one plugin's container reading the pipe `stdin`; return it and the read end
        of its stdout. The container's streams are moved between our pipes and the engine by
        the kernel (`container_streams`), so it is wired like a process."""
        assert command.container is not None  # only called for commands that have one
        if self.session is None:
            self.session = ContainerSession()
        try:
            container = await self.session.create(command.container, stdin=stdin is not None)
        except BaseException:
            children.close_quietly(stdin)
            raise
        stdout_read, stdout_write = self._stdout_of(last)
        stderr_read, stderr_write = children.reader_pipe()
        for pipe in (stdin, stdout_write):  # fewer, larger moves to and from the engine
            if pipe is not None:
                children.grow_pipe(pipe, CONTAINER_PIPE_SIZE)
        its_stdin = os.dup(stdin) if stdin is not None else None  # the container's to close
        try:
            await container.start(stdout=stdout_write, stderr=stderr_write, stdin=its_stdin)
        except BaseException:
            for fd in (stdout_read, stdout_write, stderr_read, stderr_write, its_stdin, stdin):
                children.close_quietly(fd)
            raise
        child = _Child(command, plugin_type, None, stderr_read, stdin, container=container)
        return child, stdout_read

    def _start_copy(self, loop: asyncio.AbstractEventLoop) -> None:
        """In a fan-out, start copying the source into every loader's input."""
        if self.source is None:
            return

        def done(result: bool | BaseException) -> None:
            loop.call_soon_threadsafe(self._copied, result)

        self.copy = tee.PipeCopy(self.source, self.branch_inputs, on_done=done)
        self.copy.start()

    def _copied(self, result: bool | BaseException) -> None:
        if isinstance(result, BaseException):
            self._handler_failed(result)
        elif result:  # all of it reached every loader: now they may see the end of it
            self._close_branch_inputs()

    def _close_branch_inputs(self) -> None:
        for fd in self.branch_inputs:
            children.close_quietly(fd)
        self.branch_inputs = []

    def _end_copy(self) -> None:
        """Stop the kernel copy (if still running) and wait for its thread."""
        if self.copy is not None:
            self.copy.close(DRAIN_TIMEOUT)
            self.copy = None

    def _writers_of(self, index: int) -> list[_Child]:
        """The processes whose output `index` reads (for a fan-out loader: not the others)."""
        return self.children[: min(index, self.first_loader)]

    def _is_branch(self, index: int) -> bool:
        return self.source is not None and index >= self.first_loader

    async def _watch(self, index: int) -> None:
        """Wait for one process to end; if it left input unread, stop those writing to it."""
        child = self.children[index]
        if child.container is not None:
            child.returncode = await child.container.wait()
        else:
            assert child.process is not None  # a _Child is a process or a container
            child.returncode = await children.wait_exit(child.process)
        self._free_inputs_later()
        if child.feed is None:
            return
        child.unread_input = children.has_unread_input(child.feed)
        if child.unread_input and self.stop_reason is None and self.handler_error is None:
            # A fan-out loader that gives up stops its writers and the other loaders too.
            others = self.children if self._is_branch(index) else self.children[:index]
            if self._is_branch(index) and self.copy is not None:
                self.copy.stop()
            for upstream in others:
                if upstream is not child and _send(upstream, signal.SIGTERM):
                    upstream.stopped = True
                    self._kill_later(upstream, UPSTREAM_GRACE_PERIOD)
        children.close_quietly(child.feed)  # writers still running now get EPIPE
        child.feed = None

    def _free_inputs_later(self) -> None:
        """A process whose writers have all exited must see the end of its input; if a leftover
        of theirs still holds the pipe `DRAIN_TIMEOUT` later, kill that leftover."""
        loop = asyncio.get_running_loop()
        for index, child in enumerate(self.children):
            upstream_done = all(up.returncode is not None for up in self._writers_of(index))
            if index and child.returncode is None and upstream_done:
                self.timers.append(loop.call_later(DRAIN_TIMEOUT, self._free_input, index))

    def _free_input(self, index: int) -> None:
        child = self.children[index]
        # A fan-out loader's input is written by our copy: look at the pipe the copy reads.
        feed = self.source if self._is_branch(index) else child.feed
        if child.returncode is None and feed is not None and children.has_writer(feed):
            children.kill_pipe_holders({children.pipe_id(feed)}, besides=self._plugin_pids())

    def _plugin_pids(self) -> set[int]:
        return {child.process.pid for child in self.children if child.process is not None}

    async def _read_state(self, branch: int, on_state: StateHandler) -> None:
        """Hand loader `branch`'s stdout lines to its handler."""
        splitter = LineSplitter(self.line_limit, truncate=False)
        try:
            await children.pump(self.stdouts[branch], splitter, on_state)
        except LineTooLongError as error:
            self.overflow = Overflow(self.first_loader + branch, error.size, error.limit)
            self.stop(StopReason.OUTPUT_TOO_LONG)
        except Exception as error:  # a handler failed: stop and let the caller see why
            self._handler_failed(error)

    async def _read_log(self, index: int, on_log: LogHandler, fd: int | None = None) -> None:
        """Hand one process's stderr (or `fd`, its stdout) to `on_log`, line by line."""
        child = self.children[index]
        splitter = LineSplitter(self.log_line_limit, truncate=True)
        handle = functools.partial(on_log, index)
        many = getattr(on_log, "many", None)  # takes a batch of lines at once, if it can
        try:
            await children.pump(
                child.stderr if fd is None else fd,
                splitter,
                handle,
                tail=child.tail,
                handle_many=functools.partial(many, index) if many else None,
                redact=self.redactor.lines if self.redactor is not None else None,
            )
        except Exception as error:
            self._handler_failed(error)

    def _handler_failed(self, error: BaseException) -> None:
        if self.handler_error is None:
            self.handler_error = error
        self.stop(None)

    def _on_signal(self, signum: int) -> None:
        if self.stop_reason in (StopReason.TERMINATED, StopReason.INTERRUPTED):
            self._kill_everything()  # asked twice: do not wait for the grace period
            return
        interrupted = signum == signal.SIGINT
        self.stop(StopReason.INTERRUPTED if interrupted else StopReason.TERMINATED, signum)

    def stop(self, reason: StopReason | None, signum: int = signal.SIGTERM) -> None:
        """Ask every process to stop now, and kill those still running after the grace period."""
        if self.stop_reason is None:
            self.stop_reason, self.stop_signal = reason, signum
        if self.copy is not None:
            self.copy.stop()
        for child in self.children:
            if _send(child, signum):
                self._kill_later(child, self.grace)

    def _kill_later(self, child: _Child, delay: float) -> None:
        def kill() -> None:
            if _send(child, signal.SIGKILL):
                child.killed = True

        self.timers.append(asyncio.get_running_loop().call_later(delay, kill))

    def _kill_everything(self) -> None:
        for child in self.children:
            if _send(child, signal.SIGKILL):
                child.killed = True
        self._kill_leftovers()
        for child in self.children:
            # a process stuck in the kernel survives SIGKILL for a while: do not hang on it
            if child.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.process.wait(timeout=DRAIN_TIMEOUT)

    def _kill_leftovers(self) -> None:
        """Kill what plugins started and left behind: in the pipeline's process group, or
        anywhere (another session) if it still holds one of the run's pipes."""
        for group in {child.group for child in self.children if child.group}:
            children.send_group(group, signal.SIGKILL)
        read_ends = [child.stderr for child in self.children] + self.stdouts
        if any(fd is not None and children.has_writer(fd) for fd in read_ends):
            # Costs a walk of /proc: only when a pipe of the run is still held open.
            children.kill_pipe_holders(self.pipes, besides=self._plugin_pids())

    def _close_fds(self) -> None:
        for child in self.children:
            children.close_quietly(child.stderr)
            children.close_quietly(child.feed)
            child.feed = None
        for fd in self.stdouts:
            children.close_quietly(fd)
        self._close_branch_inputs()
        children.close_quietly(self.source)
        self.source = None
