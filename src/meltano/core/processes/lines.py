"""Split the byte streams we read from plugins into bounded lines.

Plugins write whatever they like on stdout and stderr. We cut the chunks we read into lines
without ever holding more than `limit` bytes of one line, so a 200 MB line costs at most the limit
in memory, never the line.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Iterable

from meltano.core.logging.ansi import strip_ansi

#: Meltano's `elt.buffer_size` default; the longest line we accept is half of it.
DEFAULT_BUFFER_SIZE = 104_857_600
DEFAULT_LINE_LIMIT = DEFAULT_BUFFER_SIZE // 2
#: Log lines longer than this are cut: nobody reads a megabyte of one log line.
DEFAULT_LOG_LINE_LIMIT = 1_048_576


def line_limit(buffer_size: int) -> int:
    """The longest line we read from a plugin's stdout for a given `elt.buffer_size`."""
    return max(1, buffer_size // 2)


class LineTooLongError(Exception):
    """A line grew past the limit of a reader that must not truncate (internal signal)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"line of at least {size} bytes exceeds the limit of {limit} bytes")
        self.size, self.limit = size, limit


def truncation_marker(size: int) -> bytes:
    """Say, inside the line itself, that a line was cut and how long it really was."""
    return b" [... line truncated, %d bytes in total]" % size


class LineSplitter:
    """Turn chunks of bytes into lines (without their newline), bounded by `limit` bytes.

    With `truncate=True` a longer line is cut to `limit` bytes plus a marker; otherwise feeding it
    raises `LineTooLongError` as soon as the limit is passed, before the line is complete.
    """

    def __init__(self, limit: int, *, truncate: bool) -> None:
        if limit < 1:
            raise ValueError("the line limit must be at least one byte")
        self.limit = limit
        self.truncate = truncate
        self._pending = bytearray()  # start of a line whose newline has not arrived yet
        self._dropped = 0  # bytes of the pending line thrown away past the limit

    def feed(self, chunk: bytes) -> list[bytes]:
        """Return the lines this chunk completes; keep the unfinished tail for the next chunk."""
        if b"\n" not in chunk:
            self._keep(chunk)
            return []
        lines = chunk.split(b"\n")
        tail = lines.pop()
        start = 0
        if self._pending or self._dropped:
            self._keep(lines[0])
            lines[0] = self._take_pending()  # already bounded by `_keep`
            start = 1
        rest = itertools.islice(lines, start, None)
        if len(lines) > start and max(map(len, rest)) > self.limit:  # rare: check line by line
            lines[start:] = [self._bounded(line) for line in lines[start:]]
        self._keep(tail)
        return lines

    def finish(self) -> list[bytes]:
        """Return the last line of a stream that did not end with a newline."""
        if not self._pending and not self._dropped:
            return []
        return [self._take_pending()]

    def _keep(self, data: bytes) -> None:
        room = self.limit - len(self._pending)
        if len(data) <= room:
            self._pending += data
            return
        if not self.truncate:
            raise LineTooLongError(len(self._pending) + self._dropped + len(data), self.limit)
        self._pending += data[: max(room, 0)]
        self._dropped += len(data) - max(room, 0)

    def _take_pending(self) -> bytes:
        line = bytes(self._pending)
        if self._dropped:
            line = self._cut(line, len(line) + self._dropped)
        self._pending.clear()
        self._dropped = 0
        return line

    def _bounded(self, line: bytes) -> bytes:
        if len(line) <= self.limit:
            return line
        if not self.truncate:
            raise LineTooLongError(len(line), self.limit)
        return self._cut(line, len(line))

    def _cut(self, line: bytes, size: int) -> bytes:
        """The start of a line of `size` bytes and the marker: `limit` bytes in all (or the
        marker alone, whole, if the limit is shorter than it)."""
        marker = truncation_marker(size)
        return line[: max(0, self.limit - len(marker))] + marker


class Tail:
    """The last few lines of a stream, decoded, for error messages."""

    def __init__(self, size: int = 5, *, width: int = 500) -> None:
        self._lines: collections.deque[bytes] = collections.deque(maxlen=size)
        self._size = size
        self._width = width

    def extend(self, lines: Iterable[bytes]) -> None:
        """Remember these lines, forgetting older ones; blank lines say nothing, skip them."""
        if not isinstance(lines, list):
            lines = list(lines)
        self._lines.extend(line for line in lines[-self._size :] if line.strip())

    def lines(self) -> tuple[str, ...]:
        """The remembered lines as text without terminal escape codes (they go into run
        records and error messages), each cut to a readable width."""
        return tuple(_shorten(strip_ansi(decode_line(line)), self._width) for line in self._lines)


def decode_line(line: bytes) -> str:
    """Decode a plugin's line as UTF-8; bytes that are not valid UTF-8 become U+FFFD."""
    return line.decode("utf-8", errors="replace").rstrip("\r")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width] + "…"
