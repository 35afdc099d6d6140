"""Splitting plugin output into bounded lines."""

from __future__ import annotations

import pytest

from meltano.core.processes.lines import (
    LineSplitter,
    LineTooLongError,
    Tail,
    decode_line,
    line_limit,
    truncation_marker,
)


def split_all(splitter: LineSplitter, chunks: list[bytes]) -> list[bytes]:
    lines = []
    for chunk in chunks:
        lines += splitter.feed(chunk)
    return lines + splitter.finish()


def test_lines_split_across_chunk_boundaries_come_out_whole() -> None:
    splitter = LineSplitter(100, truncate=False)
    chunks = [b"al", b"pha\nbe", b"ta\n", b"\ngam", b"ma"]
    assert split_all(splitter, chunks) == [b"alpha", b"beta", b"", b"gamma"]


def test_stream_ending_with_newline_has_no_extra_empty_line() -> None:
    assert split_all(LineSplitter(10, truncate=False), [b"a\nb\n"]) == [b"a", b"b"]


def test_one_byte_chunks_give_the_same_lines_as_one_chunk() -> None:
    data = b"first line\nsecond\n\nthird without newline"
    by_byte = split_all(LineSplitter(50, truncate=False), [bytes([b]) for b in data])
    assert by_byte == split_all(LineSplitter(50, truncate=False), [data])


def test_line_at_the_limit_passes_and_one_byte_more_is_rejected() -> None:
    assert split_all(LineSplitter(5, truncate=False), [b"12345\n"]) == [b"12345"]
    with pytest.raises(LineTooLongError) as raised:
        split_all(LineSplitter(5, truncate=False), [b"123456\n"])
    assert raised.value.limit == 5
    assert raised.value.size == 6


def test_strict_splitter_fails_before_the_long_line_ends() -> None:
    splitter = LineSplitter(10, truncate=False)
    splitter.feed(b"x" * 8)
    with pytest.raises(LineTooLongError) as raised:
        splitter.feed(b"x" * 8)  # no newline yet: we do not wait for one
    assert raised.value.size == 16


def test_truncating_splitter_cuts_a_long_line_says_how_long_and_goes_on() -> None:
    splitter = LineSplitter(50, truncate=True)
    lines = split_all(splitter, [b"abcdefgh" * 10 + b"\nok\n"])
    marker = truncation_marker(80)
    assert lines == [b"abcdefgh" + b"ab" + marker, b"ok"]
    assert len(lines[0]) == 50  # marker included, the line is at most the limit


def test_truncating_splitter_keeps_at_most_the_limit_of_a_line_spread_over_chunks() -> None:
    splitter = LineSplitter(60, truncate=True)
    for _ in range(1000):
        assert splitter.feed(b"y" * 1000) == []
        assert len(splitter._pending) <= 60  # memory stays flat, whatever the line length
    marker = truncation_marker(1_000_001)
    assert splitter.feed(b"y\nnext\n") == [b"y" * (60 - len(marker)) + marker, b"next"]


def test_truncated_first_line_of_a_chunk_is_not_cut_twice() -> None:
    splitter = LineSplitter(43, truncate=True)
    splitter.feed(b"abcdef" * 10)
    marker = truncation_marker(62)
    assert splitter.feed(b"gh\nxy\n") == [b"abc" + marker, b"xy"]


def test_unfinished_long_line_is_truncated_at_end_of_stream() -> None:
    splitter = LineSplitter(43, truncate=True)
    assert splitter.feed(b"abcdef" * 10) == []
    assert splitter.finish() == [b"abc" + truncation_marker(60)]


def test_a_limit_shorter_than_the_marker_keeps_the_marker_whole() -> None:
    splitter = LineSplitter(4, truncate=True)
    assert split_all(splitter, [b"abcdefgh\n"]) == [truncation_marker(8)]


def test_bytes_pass_unchanged_even_when_not_utf8() -> None:
    assert split_all(LineSplitter(50, truncate=True), [b"\xff\xfe\n"]) == [b"\xff\xfe"]


def test_decode_line_replaces_invalid_utf8_instead_of_raising() -> None:
    assert decode_line(b"ok \xff\xc3( done\r") == "ok \ufffd\ufffd( done"


def test_tail_keeps_the_last_non_blank_lines() -> None:
    tail = Tail(2)
    tail.extend([b"one", b"two"])
    tail.extend([b"three", b"   "])
    assert tail.lines() == ("two", "three")


def test_tail_shortens_very_long_lines() -> None:
    tail = Tail(1, width=5)
    tail.extend([b"abcdefgh"])
    assert tail.lines() == ("abcde…",)


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one byte"):
        LineSplitter(0, truncate=True)


def test_line_limit_is_half_of_elt_buffer_size() -> None:
    assert line_limit(104_857_600) == 52_428_800
    assert line_limit(1) == 1
