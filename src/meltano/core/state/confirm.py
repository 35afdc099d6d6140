"""Which state a fan-out run may store: the latest one every loader has confirmed.

In `meltano run tap target-a target-b` each target echoes the STATE messages it has made
durable, in the order the tap sent them, but not necessarily every one of them (a target may
only echo the newest state after writing a batch). A state is safe to store once every loader
has echoed it: then each has written everything the tap sent before it. Storing anything later
would skip, on the next run, records that a slower loader never wrote.
"""

from __future__ import annotations

import collections
import hashlib
import json
from collections.abc import Mapping
from typing import Any

#: States remembered per loader while waiting for the others; older ones are forgotten, which
#: can only delay a commit (to a newer state every loader echoes), never commit too far.
MAX_WAITING = 10_000


def _key(value: Mapping[str, Any]) -> bytes:
    """A short digest of a state value's canonical JSON: equal values, equal keys."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


class Confirmations:
    """Collects each loader's echoed states; says when one becomes confirmed by all."""

    def __init__(self, loaders: int, *, max_waiting: int = MAX_WAITING) -> None:
        if loaders < 1:
            raise ValueError("at least one loader")
        # Per loader: the digests it echoed since the last commit, oldest first.
        self._waiting: list[collections.OrderedDict[bytes, None]] = [
            collections.OrderedDict() for _ in range(loaders)
        ]
        self.max_waiting = max_waiting

    def confirm(self, loader: int, value: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Record that `loader` echoed `value`; return it if every loader now has, else None.

        A returned value is the latest state all loaders confirmed: it is `loader`'s newest,
        so no later state can be confirmed by all yet."""
        key = _key(value)
        mine = self._waiting[loader]
        mine.pop(key, None)  # the same value again counts from its newest position
        mine[key] = None
        if len(mine) > self.max_waiting:
            mine.popitem(last=False)
        if not all(key in waiting for waiting in self._waiting):
            return None
        for waiting in self._waiting:  # everything up to it is settled for every loader
            while waiting:
                oldest, _ = waiting.popitem(last=False)
                if oldest == key:
                    break
        return value
