"""The kernel copy of one pipe into several (tee(2) + splice(2)), with threads as writer and
readers so every wait is bounded."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

import pytest

from meltano.core.processes import tee

pytestmark = pytest.mark.skipif(not tee.is_available(), reason="tee(2) is Linux only")
DATA = b"".join(b'{"type":"RECORD","stream":"s","record":{"id":%d}}\n' % n for n in range(60_000))


class Reader(threading.Thread):
    """Reads a pipe to its end, optionally slowly, or stops after `limit` bytes."""

    def __init__(self, fd: int, *, delay: float = 0.0, limit: int | None = None) -> None:
        super().__init__(daemon=True)
        self.fd, self.delay, self.limit = fd, delay, limit
        self.data = bytearray()

    def run(self) -> None:
        while self.limit is None or len(self.data) < self.limit:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            self.data += chunk
            if self.delay:
                time.sleep(self.delay)
        os.close(self.fd)


def write_all(fd: int, data: bytes, *, close: bool = True) -> threading.Thread:
    def write() -> None:
        view = memoryview(data)
        with contextlib.suppress(BrokenPipeError):  # a test that stops the copy early
            while view:
                view = view[os.write(fd, view[:32768]) :]
        if close:
            os.close(fd)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def stop() -> Iterator[tuple[int, int]]:
    read_end, write_end = os.pipe()
    yield read_end, write_end
    for fd in (read_end, write_end):
        os.close(fd)


def copy_in_thread(
    source: int, outputs: list[int], stop: int
) -> tuple[threading.Thread, list[bool]]:
    result: list[bool] = []
    thread = threading.Thread(
        target=lambda: result.append(tee.copy_pipe(source, outputs, stop=stop)), daemon=True
    )
    thread.start()
    return thread, result


@pytest.mark.parametrize("count", [2, 3, 4])
def test_every_output_gets_every_byte(count: int, stop: tuple[int, int]) -> None:
    source_read, source_write = os.pipe()
    pipes = [os.pipe() for _ in range(count)]
    readers = [Reader(read_end, delay=0.001 * index) for index, (read_end, _) in enumerate(pipes)]
    for reader in readers:
        reader.start()
    writer = write_all(source_write, DATA)
    outputs = [write_end for _, write_end in pipes]
    assert tee.copy_pipe(source_read, outputs, stop=stop[0]) is True
    for fd in outputs:  # the caller closes the outputs: the readers see the end only now
        os.close(fd)
    writer.join(10)
    for reader in readers:
        reader.join(10)
        assert not reader.is_alive()
        assert bytes(reader.data) == DATA
    os.close(source_read)


def test_outputs_stay_open_until_the_caller_closes_them(stop: tuple[int, int]) -> None:
    source_read, source_write = os.pipe()
    (a_read, a_write), (b_read, b_write) = os.pipe(), os.pipe()
    write_all(source_write, b"one line\n").join(10)
    assert tee.copy_pipe(source_read, [a_write, b_write], stop=stop[0]) is True
    os.set_blocking(a_read, False)
    assert os.read(a_read, 100) == b"one line\n"
    with pytest.raises(BlockingIOError):  # no end of file: a_write is still open
        os.read(a_read, 100)
    for fd in (source_read, a_read, a_write, b_read, b_write):
        os.close(fd)


def test_stop_ends_a_copy_waiting_for_input(stop: tuple[int, int]) -> None:
    source_read, source_write = os.pipe()
    (a_read, a_write), (b_read, b_write) = os.pipe(), os.pipe()
    thread, result = copy_in_thread(source_read, [a_write, b_write], stop[0])
    time.sleep(0.05)
    assert thread.is_alive()  # the source is open and empty: it waits
    os.write(stop[1], b"x")
    thread.join(5)
    assert result == [False]
    for fd in (source_read, source_write, a_read, a_write, b_read, b_write):
        os.close(fd)


def test_stop_ends_a_copy_waiting_for_a_full_output(stop: tuple[int, int]) -> None:
    source_read, source_write = os.pipe()
    (a_read, a_write), (b_read, b_write), (c_read, c_write) = os.pipe(), os.pipe(), os.pipe()
    reader = Reader(a_read)
    reader.start()
    write_all(source_write, DATA)  # b and c are never read: the copy fills them, then waits
    thread, result = copy_in_thread(source_read, [a_write, b_write, c_write], stop[0])
    time.sleep(0.1)
    assert thread.is_alive()
    os.write(stop[1], b"x")
    thread.join(5)
    assert result == [False]
    for fd in (source_read, a_write, b_read, b_write, c_read, c_write):
        os.close(fd)
    reader.join(5)


@pytest.mark.parametrize("lost", [0, 1, 2])
def test_an_output_whose_reader_is_gone_ends_the_copy(lost: int, stop: tuple[int, int]) -> None:
    source_read, source_write = os.pipe()
    pipes = [os.pipe() for _ in range(3)]
    readers = [
        Reader(read_end, limit=1000 if index == lost else None)
        for index, (read_end, _) in enumerate(pipes)
    ]
    for reader in readers:
        reader.start()
    write_all(source_write, DATA * 4)
    thread, result = copy_in_thread(source_read, [w for _, w in pipes], stop[0])
    thread.join(10)
    assert result == [False]
    for _, write_end in pipes:
        os.close(write_end)
    for reader in readers:
        reader.join(5)
    os.close(source_read)


def test_needs_two_outputs(stop: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="two outputs"):
        tee.copy_pipe(0, [1], stop=stop[0])
