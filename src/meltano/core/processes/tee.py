"""Copy one pipe into several inside the kernel: tee(2) duplicates, splice(2) moves.

A fan-out run (`meltano run tap target-a target-b`) gives every loader the output of the
extractor (or of its last mapper). The bytes never enter our process: `tee` duplicates the
pages buffered in the source pipe into the first output pipe without consuming them, then
`splice` moves the same number of bytes into the second output. Each further output adds one
stage that does the same from an intermediate pipe, so every stage is that simple pair:

    source --tee--> output 0
           --splice--> [pipe] --tee--> output 1
                              --splice--> output 2

Each stage runs in a thread that only waits in poll(2) and the two system calls (which release
the GIL); its cost is a few system calls per chunk, whatever the size of the records.
Linux only: tee and splice are Linux system calls.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import select
import threading
import time
from collections.abc import Callable, Sequence

SPLICE_F_MOVE = 1
SPLICE_F_NONBLOCK = 2
#: The most a single call moves: tee and splice stop at what the pipes hold anyway.
MAX_CHUNK = 1 << 20
#: The size we ask for the pipes of a fan-out (the kernel may give less): more per call.
PIPE_SIZE = 1 << 20
#: After a copy of less than this, wait a little for more input before the next one ...
SMALL_COPY = 1 << 18
#: ... this long: a tap writing 8 KB at a time then costs one round of calls per ~100 KB
#: instead of one per write. Above SMALL_COPY / COALESCE_SECONDS (128 MB/s) there is no wait.
COALESCE_SECONDS = 0.002
_F_SETPIPE_SZ = 1031  # Linux


class KernelCopyUnavailableError(OSError):
    """This system has no tee(2) (not Linux)."""


@functools.cache
def _tee_call() -> Callable[[int, int, int, int], int]:
    """libc's tee, loaded once; ctypes releases the GIL while it runs."""
    try:
        call = ctypes.CDLL(None, use_errno=True).tee
    except (OSError, AttributeError) as error:
        raise KernelCopyUnavailableError(
            errno.ENOSYS, "tee(2) is not available on this system"
        ) from error
    call.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_size_t, ctypes.c_uint]
    call.restype = ctypes.c_ssize_t
    return call


def is_available() -> bool:
    """Whether pipes can be copied in the kernel here."""
    try:
        _tee_call()
    except KernelCopyUnavailableError:
        return False
    return hasattr(os, "splice")


class _Stopped(Exception):
    """The stop file descriptor became readable, or an output lost its reader."""


class _Stage:
    """Copy `source` into `duplicate` (tee) and `moved` (splice) until the source ends."""

    def __init__(self, source: int, duplicate: int, moved: int, stop: int) -> None:
        self.source, self.duplicate, self.moved, self.stop = source, duplicate, moved, stop
        self._polls: dict[tuple[int, int], select.poll] = {}
        self._input: select.poll | None = None

    def _wait(self, fd: int, event: int) -> None:
        """Block until `fd` is ready for `event` (or hung up); raise _Stopped on a stop."""
        poller = self._polls.get((fd, event))
        if poller is None:
            poller = select.poll()
            poller.register(fd, event)
            poller.register(self.stop, select.POLLIN)
            self._polls[(fd, event)] = poller
        while True:
            ready = dict(poller.poll())
            if self.stop in ready:
                raise _Stopped
            if fd in ready:
                if event == select.POLLOUT:
                    if ready[fd] & select.POLLERR:
                        raise _Stopped  # the reader of this output is gone
                    # Room comes back a read (often 8 KB) at a time: let the reader, which
                    # has a full pipe to work through, free more before the next call.
                    time.sleep(COALESCE_SECONDS)
                return

    def _has_input(self) -> bool:
        if self._input is None:
            self._input = select.poll()
            self._input.register(self.source, select.POLLIN)
        return bool(self._input.poll(0))

    def _tee(self) -> int:
        """Duplicate what the source holds into `duplicate`; 0 at the end of the source."""
        tee = _tee_call()
        while True:
            count = tee(self.source, self.duplicate, MAX_CHUNK, SPLICE_F_NONBLOCK)
            if count >= 0:
                return int(count)
            code = ctypes.get_errno()
            if code == errno.EINTR:
                continue
            if code != errno.EAGAIN:
                raise _Stopped if code == errno.EPIPE else OSError(code, os.strerror(code))
            # Either the source is empty or the output is full: wait for the one that is.
            if not self._has_input():
                self._wait(self.source, select.POLLIN)
            else:
                self._wait(self.duplicate, select.POLLOUT)

    def _move(self, count: int) -> None:
        """Move exactly `count` bytes (the ones just duplicated) from the source to `moved`."""
        while count:
            try:
                count -= os.splice(
                    self.source, self.moved, count, flags=SPLICE_F_MOVE | SPLICE_F_NONBLOCK
                )
            except BlockingIOError:
                self._wait(self.moved, select.POLLOUT)
            except BrokenPipeError:
                raise _Stopped from None

    def run(self) -> bool:
        """True when the source ended and both outputs got all of it; False when stopped."""
        try:
            while True:
                self._wait(self.source, select.POLLIN)
                count = self._tee()
                if count == 0:
                    return True
                self._move(count)
                if count < SMALL_COPY:
                    time.sleep(COALESCE_SECONDS)
        except _Stopped:
            return False


def enlarge(fd: int) -> None:
    """Ask for a bigger kernel buffer for a pipe of a fan-out (an optimisation only)."""
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)


def copy_pipe(source: int, outputs: Sequence[int], *, stop: int) -> bool:
    """Copy everything read from pipe `source` into every pipe of `outputs`, in the kernel.

    Blocks until the source ends (all its writers closed it and it is drained): returns True,
    and every output has received all of it. Returns False as soon as `stop` becomes readable
    or an output's reader is gone (EPIPE); the rest of the data is not copied. Neither
    `source`, `stop` nor the outputs are closed here: the caller closes the outputs once this
    returns (True: so their readers see the end; False: once it has stopped those readers).
    """
    if len(outputs) < 2:
        raise ValueError("a kernel copy needs at least two outputs")
    links: list[tuple[int, int]] = [os.pipe() for _ in range(len(outputs) - 2)]
    stages: list[_Stage] = []
    upstream = source
    for index, output in enumerate(outputs[:-1]):
        last = index == len(outputs) - 2
        moved = outputs[-1] if last else links[index][1]
        stages.append(_Stage(upstream, output, moved, stop))
        upstream = links[index][0] if not last else upstream
    results: list[bool] = [False] * len(stages)

    def run(index: int) -> None:
        try:
            results[index] = stages[index].run()
        finally:
            # Neighbours see this stage end: the next one reads the end of its input, the
            # previous one gets EPIPE instead of waiting for room that never comes.
            if index < len(links):
                _close(links[index][1])
            if index > 0:
                _close(links[index - 1][0])

    threads = [
        threading.Thread(target=run, args=(index,), name=f"meltano-tee-{index}", daemon=True)
        for index in range(1, len(stages))
    ]
    try:
        for thread in threads:
            thread.start()
        run(0)
    finally:
        for thread in threads:
            thread.join()
    return all(results)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


class PipeCopy:
    """`copy_pipe` in a thread of its own, that can be stopped at any time.

    `on_done` is called from that thread with the result (or the exception it raised)."""

    def __init__(
        self,
        source: int,
        outputs: Sequence[int],
        *,
        on_done: Callable[[bool | BaseException], None],
    ) -> None:
        self.source, self.outputs, self.on_done = source, tuple(outputs), on_done
        self._stop_read, self._stop_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="meltano-tee", daemon=True)

    def _run(self) -> None:
        try:
            result: bool | BaseException = copy_pipe(
                self.source, self.outputs, stop=self._stop_read
            )
        except BaseException as error:  # handed over: the pipeline decides what it means
            result = error
        self.on_done(result)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the copy to end now (idempotent; harmless once it has ended)."""
        with contextlib.suppress(OSError):
            os.write(self._stop_write, b"x")

    def close(self, timeout: float) -> None:
        """Stop the copy, wait for its thread (at most `timeout`), free the stop pipe."""
        self.stop()
        if self._thread.ident is not None:
            self._thread.join(timeout)
        if not self._thread.is_alive():
            _close(self._stop_read)
        _close(self._stop_write)
