"""Splitting a container's multiplexed output, and feeding its input, over real sockets."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from meltano.core.processes.container_streams import pump_input, pump_output


def frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def engine_side(frames: list[bytes], *, split_at: int | None = None) -> socket.socket:
    """Our end of a socket pair; the other end writes `frames` (optionally in two pieces)."""
    ours, theirs = socket.socketpair()
    data = b"".join(frames)

    def send() -> None:
        if split_at is None:
            theirs.sendall(data)
        else:
            theirs.sendall(data[:split_at])
            theirs.sendall(data[split_at:])
        theirs.close()

    threading.Thread(target=send, daemon=True).start()
    return ours


def test_frames_go_to_their_pipes_in_order_and_both_pipes_end() -> None:
    records = [b'{"type":"RECORD","record":{"id":%d}}\n' % i for i in range(500)]
    frames = [frame(1, b"".join(records[:250])), frame(2, b"a log line\n")]
    frames += [frame(1, b"".join(records[250:])), frame(2, b"done\n")]
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    sock = engine_side(frames, split_at=13)  # a header cut in the middle
    pump = threading.Thread(target=pump_output, args=(sock, b"", out_w, err_w))
    pump.start()
    errors = []
    reader = threading.Thread(target=lambda: errors.append(read_all(err_r)))
    reader.start()
    assert read_all(out_r) == b"".join(records)
    pump.join(10)
    reader.join(10)
    assert errors == [b"a log line\ndone\n"]
    with pytest.raises(OSError):
        os.fstat(out_w)  # the pump closed its descriptors


def test_bytes_read_with_the_attach_answer_come_first() -> None:
    whole = frame(1, b"hello world\n")
    sock = engine_side([whole[10:]])
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pump_output(sock, whole[:10], out_w, err_w)
    assert read_all(out_r) == b"hello world\n"
    assert read_all(err_r) == b""


def test_a_destination_that_is_not_a_pipe_is_written_to(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT)
    err_r, err_w = os.pipe()
    pump_output(engine_side([frame(1, b"x" * 100_000), frame(1, b"y\n")]), b"", fd, err_w)
    assert target.read_bytes() == b"x" * 100_000 + b"y\n"
    read_all(err_r)


def test_a_reader_that_went_away_does_not_stop_the_pump() -> None:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    os.close(out_r)  # like a target that exited early
    pump_output(
        engine_side([frame(1, b"lost\n" * 1000), frame(2, b"still here\n")]), b"", out_w, err_w
    )
    assert read_all(err_r) == b"still here\n"


def test_input_is_copied_and_then_ended(tmp_path: Path) -> None:
    ours, theirs = socket.socketpair()
    source_r, source_w = os.pipe()
    pump = threading.Thread(target=pump_input, args=(source_r, ours))
    pump.start()
    os.write(source_w, b"line 1\nline 2\n")
    os.close(source_w)
    received = b""
    while chunk := theirs.recv(65536):  # ends: the pump shut its writing side
        received += chunk
    pump.join(10)
    assert received == b"line 1\nline 2\n"
    with pytest.raises(OSError):
        os.fstat(source_r)
    (tmp_path / "in.txt").write_bytes(b"from a file\n")  # not a pipe: copied, not spliced
    ours, theirs = socket.socketpair()
    pump_input(os.open(tmp_path / "in.txt", os.O_RDONLY), ours)
    assert theirs.recv(100) == b"from a file\n" and theirs.recv(100) == b""
