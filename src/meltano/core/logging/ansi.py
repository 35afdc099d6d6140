"""Terminal escape codes in plugin output: kept for a colour terminal, dropped elsewhere.

Plugins colour their log lines (click, rich, loguru, colorama) when they think they write to a
terminal, and some always do. In a log file, a JSON line or a run record those codes are noise
(`\\x1b[32mINFO\\x1b[0m`), so every formatter of ours except the coloured console drops them,
and so do the stderr lines a run keeps for its failure summary.
"""

from __future__ import annotations

import re

# CSI sequences (colours, cursor moves: ESC [ params final), OSC sequences (titles, links:
# ESC ] ... BEL or ESC \), and the other escapes (ESC, optional intermediates, a final byte:
# charset `ESC ( B`, `ESC 7`, `ESC c`). An unterminated OSC stops at the end of its line, so a
# batch of lines keeps its line count.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[ -/]*[0-~])")


def strip_ansi(text: str) -> str:
    """`text` without terminal escape codes; a line without ESC is returned as it is."""
    return _ESCAPE.sub("", text) if "\x1b" in text else text
