"""Read a catalog file one stream at a time, and write one the same way.

A catalog of thousands of streams is tens of megabytes of JSON and several times that as
Python objects. Rules, listings and the run's catalog file all work stream by stream, so
`read_items` hands over the top-level keys and then each stream as soon as it is decoded, and
`CatalogWriter` writes each one as it comes: memory holds one stream (and a read buffer), not
the catalog.

`read_items` only reads the plain shape a catalog has: one object, with a `streams` list of
objects whose `metadata` is a list. Anything else (invalid JSON, a duplicate top-level key,
trailing data, a stream that is not an object, bytes that are not UTF-8) raises `Unstreamable`
at the point it is found; the caller then reads the whole file with the standard library, which
gives the error (or the result) it always gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from meltano.core.catalog.codec import encode_bytes, raw_decode

CHUNK = 1 << 20  # characters read at a time
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # what `json` skips between tokens
_NUMBER_GOES_ON = frozenset("0123456789.eE+-")
STREAMS = "streams"


class Unstreamable(Exception):
    """The file is not a plain catalog object: read it whole instead."""


@dataclass(frozen=True)
class Member:
    """A top-level key of the catalog other than `streams`, with its value."""

    key: str
    value: Any


@dataclass(frozen=True)
class StreamsStart:
    """The `streams` list begins; its streams follow, then `StreamsEnd`."""


@dataclass(frozen=True)
class StreamsEnd:
    """The `streams` list has ended."""


Item = Member | StreamsStart | StreamsEnd | dict[str, Any]


class _Buffer:
    """A window on a text file: decodes one JSON value at a time, reading more as needed."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.text = ""
        self.position = 0
        self.eof = False

    def more(self) -> bool:
        """Read more text (at least as much as is buffered, so that retries stay linear)."""
        if self.eof:
            return False
        try:
            chunk = self.handle.read(max(CHUNK, len(self.text) - self.position))
        except (UnicodeDecodeError, OSError):  # reading it whole says what is wrong
            raise Unstreamable from None
        if not chunk:
            self.eof = True
            return False
        self.text = self.text[self.position :] + chunk
        self.position = 0
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file)."""
        while True:
            match = _WHITESPACE.match(self.text, self.position)
            assert match is not None  # `*` matches the empty string
            self.position = match.end()
            if self.position < len(self.text):
                return self.text[self.position]
            if not self.more():
                return ""

    def take(self, character: str) -> None:
        if self.peek() != character:
            raise Unstreamable
        self.position += 1

    def value(self) -> Any:
        """Decode the JSON value that starts at the next non-whitespace character."""
        self.peek()
        while True:
            try:
                value, end = raw_decode(self.text, self.position)
            except ValueError:  # cut off by the end of the buffer, or invalid
                if not self.more():
                    raise Unstreamable from None
                continue
            if self._complete(value, end) or not self.more():
                self.position = end
                return value

    def _complete(self, value: object, end: int) -> bool:
        """Whether the value surely ended: a number cut by the buffer (`-0` of `-0.25`) parses."""
        if end >= len(self.text):
            return False
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.text[end] not in _NUMBER_GOES_ON
        return True


def _check_stream(stream: object) -> dict[str, Any]:
    if not isinstance(stream, dict):
        raise Unstreamable
    if stream.get("metadata") is not None and not isinstance(stream["metadata"], list):
        raise Unstreamable
    return stream


def read_items(handle: IO[str]) -> Iterator[Item]:
    """The catalog in `handle` as top-level members and streams, in file order."""
    buffer = _Buffer(handle)
    buffer.take("{")
    seen: set[str] = set()
    if buffer.peek() == "}":
        buffer.position += 1
    else:
        while True:
            if buffer.peek() != '"':
                raise Unstreamable
            key = buffer.value()
            if key in seen:
                raise Unstreamable  # `json` keeps the last one: let it decide
            seen.add(key)
            buffer.take(":")
            if key == STREAMS:
                buffer.take("[")
                yield StreamsStart()
                if buffer.peek() == "]":
                    buffer.position += 1
                else:
                    while True:
                        yield _check_stream(buffer.value())
                        separator = buffer.peek()
                        buffer.position += 1
                        if separator == "]":
                            break
                        if separator != ",":
                            raise Unstreamable
                yield StreamsEnd()
            else:
                yield Member(key, buffer.value())
            separator = buffer.peek()
            buffer.position += 1
            if separator == "}":
                break
            if separator != ",":
                raise Unstreamable
    if buffer.peek() != "" or STREAMS not in seen:
        raise Unstreamable


def document_items(catalog: dict[str, Any]) -> Iterator[Item]:
    """The same items from a catalog already in memory (validated)."""
    for key, value in catalog.items():
        if key == STREAMS:
            yield StreamsStart()
            yield from value
            yield StreamsEnd()
        else:
            yield Member(key, value)


class CatalogWriter:
    """Writes items as `json.dumps(catalog, indent=2)` would write the whole catalog."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.members = 0
        self.streams = 0

    def write(self, item: Item) -> None:
        write = self.handle.write
        if isinstance(item, Member | StreamsStart):
            write(b",\n  " if self.members else b"{\n  ")
            self.members += 1
            key = STREAMS if isinstance(item, StreamsStart) else item.key
            write(encode_bytes(key))
            write(b": ")
            if isinstance(item, Member):
                write(encode_bytes(item.value, 1))
            else:
                write(b"[")
                self.streams = 0
        elif isinstance(item, StreamsEnd):
            write(b"\n  ]" if self.streams else b"]")
        else:
            write(b",\n    " if self.streams else b"\n    ")
            self.streams += 1
            write(encode_bytes(item, 2))

    def close(self) -> None:
        self.handle.write(b"\n}" if self.members else b"{}")
