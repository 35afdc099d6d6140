"""Selection patterns such as `users.*`, `!orders.total` or `public\\.accounts.id`.

A pattern has an optional leading `!` (exclude), a stream glob, and an optional property glob
after the first unescaped dot. Globs are case-sensitive shell globs (`*`, `?`, `[abc]`); a
property glob `a.b` is matched against breadcrumb text (`properties.a.properties.b`), so `*`
also reaches nested properties.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from meltano.core.catalog.metadata import breadcrumb_glob

_FIRST_UNESCAPED_DOT = re.compile(r"(?<!\\)\.")


@dataclass(frozen=True)
class Pattern:
    """One parsed `select` or `select_filter` pattern."""

    text: str
    stream: str
    property: str | None
    negated: bool

    def matches_stream(self, stream_id: str) -> bool:
        """Whether the stream glob matches this stream ID."""
        return fnmatch.fnmatchcase(stream_id, self.stream)

    def breadcrumb_matcher(self) -> Callable[[str], bool]:
        """A fast test of breadcrumb text against the property glob (`*` if there is none)."""
        return glob_matcher(breadcrumb_glob(self.property or "*"))


def closest_streams(pattern: Pattern, stream_ids: Sequence[str]) -> list[str] | None:
    """None when the pattern's stream glob matches a stream; else the closest stream IDs."""
    if any(pattern.matches_stream(stream_id) for stream_id in stream_ids):
        return None
    return difflib.get_close_matches(pattern.stream, stream_ids, n=3, cutoff=0.6)


def glob_matcher(glob: str) -> Callable[[str], bool]:
    """`fnmatch.fnmatchcase(text, glob)`, compiled once."""
    match = re.compile(fnmatch.translate(glob)).match
    return lambda text: match(text) is not None


def parse_pattern(text: str) -> Pattern:
    """Split `[!]STREAM[.PROPERTY]` into its parts; `\\.` in the stream part is a literal dot."""
    negated = text.startswith("!")
    body = text[1:] if negated else text
    split = _FIRST_UNESCAPED_DOT.search(body)
    if split is None:
        stream, prop = body, None
    else:
        stream, prop = body[: split.start()], body[split.end() :]
    return Pattern(text=text, stream=stream.replace("\\.", "."), property=prop, negated=negated)


def pattern_text(stream: str, prop: str, *, exclude: bool) -> str:
    """The pattern `meltano select TAP STREAM PROP [--exclude]` stores."""
    return f"{'!' if exclude else ''}{stream}.{prop}"
