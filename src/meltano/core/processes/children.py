"""Operating-system care for plugin processes: process groups, dying with us, exits, raw reads.

`pipes.py` decides what to run and when to stop it; this module holds the POSIX details it needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import functools
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from inspect import isawaitable
from pathlib import Path

from meltano.core.processes.lines import LineSplitter, Tail

_PR_SET_PDEATHSIG = 1
_F_SETPIPE_SZ = 1031  # Linux: resize a pipe's kernel buffer
#: How much we read from a pipe at once: fewer wake-ups when a plugin floods its stderr.
CHUNK_SIZE = 262_144


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl on Linux, loaded once in the parent (never between fork and exec)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def child_setup(*, group: int | None) -> Callable[[], None]:
    """Build the function a child runs between fork and exec.

    It joins process group `group` (0: lead a new one; None: stay in ours), and on Linux asks the
    kernel to SIGKILL it when we die, so even `kill -9` of meltano leaves no plugin behind.
    """
    prctl = _prctl()
    parent = os.getpid()

    def setup() -> None:
        if group is not None:
            try:
                os.setpgid(0, group)
            except OSError:  # the group's leader is already gone: lead our own
                os.setpgid(0, 0)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # we died before prctl took effect
                os.kill(os.getpid(), signal.SIGKILL)

    return setup


def pipe_id(fd: int) -> str:
    """How `/proc/<pid>/fd/*` names the pipe that `fd` is one end of."""
    return f"pipe:[{os.fstat(fd).st_ino}]"


def pipe_holders(pipes: set[str], *, besides: set[int]) -> list[int]:
    """Processes other than us and `besides` that have one of these pipes open.

    A plugin's child that outlives it (a tap that forks with `setsid`, then exits) is in
    another session and process group, and now a child of init: only the pipes it kept tell
    us it belongs to the run. Linux only (`/proc`); elsewhere nothing is found.
    """
    skip = {*besides, os.getpid()}
    found = []
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) in skip:
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue  # gone meanwhile, or not ours to look at
        for fd in fds:
            try:
                if str(fd.readlink()) in pipes:
                    found.append(int(entry.name))
                    break
            except OSError:
                continue
    return found


def kill_pipe_holders(pipes: set[str], *, besides: set[int]) -> list[int]:
    """SIGKILL every process `pipe_holders` finds; return their PIDs."""
    holders = pipe_holders(pipes, besides=besides)
    for pid in holders:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return holders


def has_writer(read_end: int) -> bool:
    """Whether some process still holds the write end of a pipe whose read end we have."""
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    events = poller.poll(0)
    return not (events and events[0][1] & select.POLLHUP)


def reader_pipe() -> tuple[int, int]:
    """A pipe whose read end we poll without blocking; the write end goes to a child."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    grow_pipe(read_end, CHUNK_SIZE)
    return read_end, write_end


def grow_pipe(fd: int, size: int) -> None:
    """Give the pipe of `fd` a kernel buffer of `size` bytes, where the system allows it."""
    with contextlib.suppress(OSError):  # a bigger buffer is only an optimisation
        fcntl.fcntl(fd, _F_SETPIPE_SZ, size)


async def readable(fd: int) -> None:
    """Wait until `fd` can be read without blocking (data, end of file, or an exit for a pidfd)."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(fd, _resolve, ready)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def read_chunk(fd: int) -> bytes:
    """Read what a non-blocking pipe holds, waiting for data; b"" at end of file."""
    while True:
        try:
            return os.read(fd, CHUNK_SIZE)
        except BlockingIOError:
            await readable(fd)


async def wait_exit(process: subprocess.Popen[bytes]) -> int:
    """Wait for a child to end and reap it, without a thread where the kernel offers a pidfd."""
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux >= 5.3: a thread waits instead
        return await asyncio.to_thread(process.wait)
    try:
        await readable(pidfd)
    finally:
        os.close(pidfd)
    return process.wait()


def send(process: subprocess.Popen[bytes], signum: int) -> bool:
    """Signal a child we have not reaped yet (so its PID cannot belong to anyone else)."""
    if process.poll() is not None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signum)
    return True


def send_group(group: int, signum: int) -> None:
    """Signal every process left in a process group, if any is."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


def group_of(process: subprocess.Popen[bytes]) -> int | None:
    """The process group a child ended up in, or None if it is already gone."""
    try:
        return os.getpgid(process.pid)
    except ProcessLookupError:
        return None


def close_quietly(fd: int | None) -> None:
    """Close a file descriptor we own, if it is still open."""
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


class SignalRelay:
    """SIGINT/SIGTERM that the main thread receives, handed to pipelines in other threads.

    Only the main thread can install signal handlers, so pipelines run side by side in worker
    threads (`meltano run --parallel`) register their handler here instead; a pipeline that
    registers after a signal arrived gets it at once, so nothing starts once a stop was asked.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[int, tuple[asyncio.AbstractEventLoop, Callable[[int], None]]] = {}
        self.received: list[int] = []

    def register(self, loop: asyncio.AbstractEventLoop, handler: Callable[[int], None]) -> int:
        with self._lock:
            token = id(handler)
            self._handlers[token] = (loop, handler)
            for signum in self.received:
                loop.call_soon_threadsafe(handler, signum)
        return token

    def unregister(self, token: int) -> None:
        with self._lock:
            self._handlers.pop(token, None)

    def deliver(self, signum: int) -> None:
        """Hand the signal to every registered pipeline (and to those registering later)."""
        with self._lock:
            self.received.append(signum)
            for loop, handler in self._handlers.values():
                with contextlib.suppress(RuntimeError):  # its loop just closed
                    loop.call_soon_threadsafe(handler, signum)


_relay: SignalRelay | None = None  # set while `relayed_signals` runs in the main thread


@contextlib.contextmanager
def relayed_signals(on_signal: Callable[[int], None] | None = None) -> Iterator[SignalRelay]:
    """In the main thread: route SIGINT and SIGTERM to every pipeline of every thread.

    `on_signal(signum)` is called too (in the main thread), e.g. to start nothing new.
    """
    global _relay
    relay = SignalRelay()

    def handle(signum: int, _frame: object) -> None:
        relay.deliver(signum)
        if on_signal is not None:
            on_signal(signum)

    previous = {signum: signal.signal(signum, handle) for signum in (signal.SIGINT, signal.SIGTERM)}
    _relay = relay
    try:
        yield relay
    finally:
        _relay = None
        for signum, before in previous.items():
            signal.signal(signum, before)


@contextlib.contextmanager
def signals_handled(handler: Callable[[int], None], *, enabled: bool) -> Iterator[bool]:
    """Route SIGINT and SIGTERM to `handler` while the block runs; restore the old handlers.

    Yields whether the handlers are in place: only the main thread can install them, and a
    worker thread gets them through the main thread's `relayed_signals`, if it runs one.
    """
    installed: dict[int, object] = {}
    relay, token = _relay, None
    if enabled:
        loop = asyncio.get_running_loop()
        if relay is not None and threading.current_thread() is not threading.main_thread():
            token = relay.register(loop, handler)
        else:
            try:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    before = signal.getsignal(signum)
                    loop.add_signal_handler(signum, handler, signum)
                    installed[signum] = before
            except (ValueError, RuntimeError):  # not the main thread: leave signals alone
                _restore(loop, installed)
                installed = {}
    try:
        yield bool(installed) or token is not None
    finally:
        if installed:
            _restore(asyncio.get_running_loop(), installed)
        if relay is not None and token is not None:
            relay.unregister(token)


def _restore(loop: asyncio.AbstractEventLoop, previous: dict[int, object]) -> None:
    for signum, before in previous.items():
        loop.remove_signal_handler(signum)
        if before is not None:
            signal.signal(signum, before)  # type: ignore[arg-type]  # getsignal's own result


async def pump(
    fd: int,
    splitter: LineSplitter,
    handle: Callable[[bytes], object],
    *,
    tail: Tail | None = None,
    handle_many: Callable[[list[bytes]], None] | None = None,
    redact: Callable[[list[bytes]], list[bytes]] | None = None,
) -> None:
    """Read `fd` to its end, handing each line to `handle` (awaiting it if it is async).

    With `handle_many`, the lines of each read go to it as one list instead. `redact` gets
    the lines of each read first, and what it returns is what the handlers and `tail` see.
    """
    while True:
        chunk = await read_chunk(fd)
        lines = splitter.feed(chunk) if chunk else splitter.finish()
        if redact is not None and lines:
            lines = redact(lines)
        if handle_many is not None:
            handle_many(lines)
        else:
            for line in lines:
                result = handle(line)
                if result is not None and isawaitable(result):
                    await result
        if tail is not None and lines:
            tail.extend(lines)
        if not chunk:
            return
        await asyncio.sleep(0)  # a flood of output must not starve the other readers


async def finish(readers: Sequence[asyncio.Future[None]], timeout: float) -> None:
    """Let readers reach the end of their pipes, but not wait forever on a leaked writer."""
    _done, pending = await asyncio.wait(readers, timeout=timeout)
    for reader in pending:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)


def has_unread_input(read_end: int) -> bool:
    """Whether a pipe still holds data, or still has a writer that may send more."""
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    events = poller.poll(0)
    flags = events[0][1] if events else 0
    return bool(flags & select.POLLIN) or not flags & select.POLLHUP
