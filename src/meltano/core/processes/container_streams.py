"""A container's stdin, stdout and stderr as raw sockets, their bytes moved by the kernel.

The Engine API attaches to a container's streams by upgrading an HTTP request to a raw
stream (`POST /containers/{id}/attach`, as `docker attach` does). We open those connections
ourselves rather than through aiodocker's, because that lets the kernel move the records:
measured at 1M records, aiodocker's stream reader costs our process over a second of CPU,
this about a tenth.

- Output arrives multiplexed: frames of an 8-byte header (stream 1 = stdout, 2 = stderr; a
  big-endian length) and the bytes written. We read only the headers; `os.splice` moves each
  frame's bytes from the socket into the destination pipe inside the kernel, so records never
  enter Python's memory. To a destination that is not a pipe (a terminal or file behind
  `meltano invoke`) they are copied instead.
- Input: `os.splice` moves what the upstream process wrote into its pipe on to the socket, in
  large pieces. (Handing the socket itself to the upstream process as its stdout was tried:
  its small writes made the engine spend several times the CPU reading them.)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

#: Seconds connecting to the engine and its answer to an attach request may take.
CONNECT_TIMEOUT = 60.0
CHUNK_SIZE = 262_144
_HEADER = 8
_HANDSHAKE_LIMIT = 65_536


class AttachError(Exception):
    """The engine did not upgrade the attach request; the message is its answer."""


def _connect(address: str) -> socket.socket:
    parsed = urllib.parse.urlsplit(address)
    if parsed.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: Any = parsed.path
    elif parsed.scheme in ("tcp", "http"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (parsed.hostname or "localhost", parsed.port or 2375)
    else:
        raise AttachError(
            f"cannot attach to a container's streams over {address}: only local sockets "
            "and plain TCP engines are supported (not TLS)"
        )
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(target)
    except OSError:
        sock.close()
        raise
    return sock


def hijack(
    address: str, api_version: str, container_id: str, streams: str
) -> tuple[socket.socket, bytes]:
    """Attach to `streams` ("stdin" or "stdout,stderr"); a blocking socket and bytes read ahead.

    Blocking, and quick (a local round trip): callers run it before the container starts.
    """
    query = "&".join(f"{name}=1" for name in ("stream", *streams.split(",")))
    sock = _connect(address)
    try:
        sock.sendall(
            (
                f"POST /{api_version}/containers/{container_id}/attach?{query} HTTP/1.1\r\n"
                "Host: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"
            ).encode("ascii")
        )
        head = b""
        while b"\r\n\r\n" not in head and len(head) < _HANDSHAKE_LIMIT:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
        status_line, _, _ = head.partition(b"\r\n")
        fields = status_line.split(b" ")
        if len(fields) < 2 or fields[1] not in (b"101", b"200"):
            body = head.partition(b"\r\n\r\n")[2].decode("utf-8", "replace").strip()
            raise AttachError(body or status_line.decode("ascii", "replace") or "no answer")
    except BaseException:
        sock.close()
        raise
    sock.settimeout(None)
    return sock, head.partition(b"\r\n\r\n")[2]


def in_thread(work: Callable[[], None], name: str) -> asyncio.Future[None]:
    """Run blocking `work` on a daemon thread; the future resolves when it returns.

    A daemon thread, not the loop's executor: a destination nobody reads must never keep
    `asyncio.run` from returning once the run is over.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def settle(error: BaseException | None) -> None:
        if done.done():
            return
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)

    def run() -> None:
        error: BaseException | None = None
        try:
            work()
        except BaseException as caught:  # handed to the awaiting task, not lost in the thread
            error = caught
        with contextlib.suppress(RuntimeError):  # the loop already closed: nobody waits
            loop.call_soon_threadsafe(settle, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return done


def _recv_exactly(sock: socket.socket, size: int, ahead: bytearray) -> bytes:
    """`size` bytes: first those read ahead, then only as many as needed from the socket, so
    the payload that follows stays there for `os.splice`."""
    taken = bytes(ahead[:size])
    del ahead[:size]
    while len(taken) < size:
        chunk = sock.recv(size - len(taken))
        if not chunk:
            break
        taken += chunk
    return taken


class _Destination:
    """One of stdout/stderr: spliced into while it is a pipe, written to otherwise."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.splice = hasattr(os, "splice")
        self.broken = False  # its reader is gone: the rest is read and dropped

    def move(self, sock: socket.socket, size: int, ahead: bytearray) -> None:
        if ahead:  # bytes that arrived with the attach answer come first
            first = _recv_exactly(sock, min(size, len(ahead)), ahead)
            self.write(first)
            size -= len(first)
        while size:
            if self.splice and not self.broken:
                try:
                    moved = os.splice(sock.fileno(), self.fd, size)
                except OSError as error:
                    if error.errno != errno.EINVAL:  # EINVAL: not a pipe, copy instead
                        self._broken(error)
                        continue
                    self.splice = False
                    continue
                if moved == 0:
                    raise EOFError("the engine closed the stream inside a frame")
                size -= moved
            else:
                chunk = sock.recv(min(size, CHUNK_SIZE))
                if not chunk:
                    raise EOFError("the engine closed the stream inside a frame")
                size -= len(chunk)
                self.write(chunk)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.broken:
            try:
                view = view[os.write(self.fd, view) :]
            except OSError as error:
                self._broken(error)

    def _broken(self, error: OSError) -> None:
        if error.errno not in (errno.EPIPE, errno.EBADF):
            raise error
        self.broken = True
        self.splice = False


def pump_output(sock: socket.socket, ahead: bytes, stdout: int, stderr: int) -> None:
    """Split the multiplexed stream into `stdout` and `stderr` until the engine ends it;
    then close both descriptors (they are the pump's), so their readers see the end."""
    destinations = {1: _Destination(stdout), 2: _Destination(stderr)}
    buffer = bytearray(ahead)
    try:
        with contextlib.suppress(EOFError, ConnectionError):
            while True:
                header = _recv_exactly(sock, _HEADER, buffer)
                if len(header) < _HEADER:
                    return
                size = int.from_bytes(header[4:], "big")
                (destinations.get(header[0]) or destinations[2]).move(sock, size, buffer)
    finally:
        for fd in (stdout, stderr):
            with contextlib.suppress(OSError):
                os.close(fd)


def pump_input(fd: int, sock: socket.socket) -> None:
    """Copy `fd` into the container's stdin until it ends, then end that input (and close
    `fd`, which is the pump's)."""
    use_splice = hasattr(os, "splice")
    try:
        while True:
            if use_splice:
                try:
                    moved = os.splice(fd, sock.fileno(), CHUNK_SIZE)
                except OSError as error:
                    if error.errno != errno.EINVAL:
                        raise
                    use_splice = False  # not a pipe (a terminal, a file): copy instead
                    continue
                if moved == 0:
                    break
            else:
                chunk = os.read(fd, CHUNK_SIZE)
                if not chunk:
                    break
                sock.sendall(chunk)
    except (BrokenPipeError, ConnectionError):
        pass  # the container stopped reading, like a process that closed its stdin
    finally:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            os.close(fd)
