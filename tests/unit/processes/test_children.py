"""Telling whether a process left input unread, from our copy of its pipe's read end."""

from __future__ import annotations

import os

from meltano.core.processes.children import has_unread_input


def test_open_writer_means_more_input_may_come() -> None:
    read_end, write_end = os.pipe()
    try:
        assert has_unread_input(read_end)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_data_left_in_the_pipe_is_unread_input() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"record\n")
    os.close(write_end)
    try:
        assert has_unread_input(read_end)
    finally:
        os.close(read_end)


def test_empty_pipe_without_writers_was_read_to_the_end() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"record\n")
    os.close(write_end)
    try:
        os.read(read_end, 100)
        assert not has_unread_input(read_end)
    finally:
        os.close(read_end)
