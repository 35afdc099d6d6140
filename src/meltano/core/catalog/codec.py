"""JSON for catalogs: decoded by the standard library, written fast in `json.dumps` form.

Catalogs are written as `json.dumps(catalog, indent=2)` writes them (what 4.4.1 prints for
`invoke --dump=catalog` and `el --dump=catalog`). The standard library's encoder only runs in C
without `indent`; with it, a 26 MB catalog takes over a second. `encode` gets the same bytes
from orjson and corrects the three places where orjson writes differently:

- floats: orjson writes `1e-05` as `0.00001`. Decoded floats are `JsonFloat`s (a float
  subclass), which orjson hands to our `default`, which writes `float.__repr__`, as `json`
  does; `NaN` and `Infinity` (which `json` reads and writes) become `JsonFloat`s too;
- `ensure_ascii`: `json` escapes every character outside printable ASCII (DEL included) as
  `\\uXXXX` (surrogate pairs beyond the BMP); orjson writes UTF-8, so those are escaped after;
- what orjson refuses (integers beyond 64 bits, lone surrogates, keys that are not strings,
  objects `json` cannot write either) goes through `json.dumps` itself, which writes it, or
  raises the error it always raised.

Values that come from meltano.yml (rules) go through `plain` first, so their floats are
`JsonFloat`s as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import orjson

_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_NOT_ASCII = re.compile("[^\x00-\x7e]")  # DEL and above; compiles in 0.1 ms, the range in 5


class JsonFloat(float):
    """A float that is written the way `json.dumps` writes floats."""

    __slots__ = ()


_DECODER = json.JSONDecoder(parse_float=JsonFloat, parse_constant=JsonFloat)


def decode(text: str) -> Any:
    """`json.loads(text)`, same errors, with floats as `JsonFloat`."""
    return _DECODER.decode(text)


def raw_decode(text: str, index: int) -> tuple[Any, int]:
    """One JSON value starting exactly at `index`, and the index after it."""
    return _DECODER.raw_decode(text, index)


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _default(value: object) -> object:
    if isinstance(value, float):
        return orjson.Fragment(_float_text(value))
    raise TypeError  # orjson raises; `encode` then lets `json.dumps` decide


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def encode_bytes(value: object, level: int = 0) -> bytes:
    """`json.dumps(value, indent=2)` as ASCII bytes, for a value nested `level` deep.

    Floats must be `JsonFloat`s, as everything `decode` and `plain` return is: orjson writes
    a plain float its own way (`1e-05` as `0.00001`).
    """
    try:
        data = orjson.dumps(value, option=_OPTIONS, default=_default)
    except TypeError:
        data = json.dumps(value, indent=2).encode("ascii")
    else:
        if not data.isascii() or b"\x7f" in data:
            data = _NOT_ASCII.sub(_escape, data.decode()).encode("ascii")
    return data.replace(b"\n", b"\n" + b"  " * level) if level else data


def encode(value: object, level: int = 0) -> str:
    """`json.dumps(value, indent=2)`, for a value nested `level` deep in its document."""
    return encode_bytes(value, level).decode("ascii")


def plain(value: object) -> Any:
    """A copy of a value from meltano.yml as JSON decoding would give it (dict, list, JsonFloat).

    Mappings become dicts and sequences lists (keys are kept as they are); anything JSON
    cannot hold is left for the encoder to refuse, as `json.dumps` always did.
    """
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, float) and not isinstance(value, JsonFloat):
        return JsonFloat(value)
    return value
