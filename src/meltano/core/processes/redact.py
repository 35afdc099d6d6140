"""Blank known secret values out of the lines plugins print, before we show or store them.

A plugin may print its own config: a debug line, a traceback with locals, a driver's connection
string. We know every secret value of a run, so each batch of lines read from a plugin passes
here before it reaches the console, a log file, a run record or a failure summary. Records
never pass through here: they go from tap to target on an OS pipe.

This runs on every batch of plugin stderr, so it must cost next to nothing: one Aho-Corasick
scan of the whole batch (`ahocorasick_rs`, whose leftmost-longest search uses SIMD: a few
microseconds per 100 KB whether the run has 1 secret or 60), and work only where one is found.
A run without secrets makes no `Redactor` at all; importing the extension costs ~1 ms.
`bench/redact_bench.py` measures it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import ahocorasick_rs

#: Shorter values are not blanked: "1", "on" or "abc" would mask half of every line.
MIN_SECRET_LENGTH = 4
#: Values that are plainly not secret (any case): masking them would only garble the log.
PLAIN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "none"})


def worth_masking(text: str) -> bool:
    """Whether a value (or one line of it) is long enough, and not a plain word."""
    stripped = text.strip()
    return len(stripped) >= MIN_SECRET_LENGTH and stripped.lower() not in PLAIN_WORDS


def spellings(secret: str) -> set[str]:
    """How a plugin may print `secret`: as it is, JSON-escaped (ASCII or not), as a Python
    repr, and for a multi-line secret (a private key) each of its lines, as lines are read one
    by one. Values and lines that are not `worth_masking` are left out."""
    if not worth_masking(secret):
        return set()
    parts = [secret, *(line.strip() for line in secret.splitlines())]
    found: set[str] = set()
    for part in parts:
        if not worth_masking(part):
            continue
        found |= {
            part,
            json.dumps(part)[1:-1],
            json.dumps(part, ensure_ascii=False)[1:-1],
            repr(part)[1:-1],
        }
    return {spelling for spelling in found if "\n" not in spelling and "\r" not in spelling}


class Redactor:
    """Replaces every spelling of a set of secrets by a mask, in batches of lines."""

    def __init__(self, patterns: Sequence[bytes], mask: bytes) -> None:
        self.mask = mask
        self.patterns = tuple(patterns)
        # Leftmost-longest is the kind of search that gets the SIMD prefilter: the check.
        self._check = ahocorasick_rs.BytesAhoCorasick(
            self.patterns, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
        )
        # Every match, overlapping ones too, on the few lines that hold one.
        self._spans = ahocorasick_rs.BytesAhoCorasick(self.patterns)

    @classmethod
    def of(cls, secrets: Iterable[str], mask: str) -> Redactor | None:
        """A redactor for these values, or None when none is long enough to be worth a scan."""
        patterns: set[bytes] = set()
        for secret in secrets:
            patterns |= {s.encode("utf-8", errors="surrogateescape") for s in spellings(secret)}
        if not patterns:
            return None
        return cls(sorted(patterns), mask.encode())

    def lines(self, lines: list[bytes]) -> list[bytes]:
        """The same lines with every secret masked: the list itself when none holds one."""
        if not lines:
            return lines
        joined = b"\n".join(lines)
        redacted = self._redact(joined)
        return lines if redacted is None else redacted.split(b"\n")

    def text(self, text: str) -> str:
        """`text` with every secret masked."""
        data = text.encode("utf-8", errors="surrogateescape")
        redacted = self._redact(data)
        return text if redacted is None else redacted.decode("utf-8", errors="surrogateescape")

    def _redact(self, data: bytes) -> bytes | None:
        """`data` masked, or None when it holds no secret (the common case: one scan).

        Only the lines a secret was found on are searched again, for every match overlapping
        or not (two secrets may overlap): a secret never spans lines."""
        found: list[Any] = self._check.find_matches_as_indexes(data)
        if not found:
            return None
        parts: list[bytes] = []
        done = 0  # everything before this offset is copied or masked
        for _, start, _ in found:
            if start < done:
                continue  # on a line already masked
            line_start = data.rfind(b"\n", 0, start) + 1
            line_end = data.find(b"\n", start)
            line_end = len(data) if line_end < 0 else line_end
            parts += [data[done:line_start], self._mask_line(data[line_start:line_end])]
            done = line_end
        parts.append(data[done:])
        return b"".join(parts)

    def _mask_line(self, line: bytes) -> bytes:
        matches: list[Any] = self._spans.find_matches_as_indexes(line, overlapping=True)
        parts: list[bytes] = []
        done = 0
        for start, end in sorted((start, end) for _, start, end in matches):
            if end <= done:
                continue  # inside a span already masked
            if start >= done:
                parts += [line[done:start], self.mask]
            done = end  # an overlapping match extends the masked span
        parts.append(line[done:])
        return b"".join(parts)
