"""The state document and its rules, as pure functions.

A state ID stores two documents, each `{"singer_state": {...}}` or `{}`:
- *completed*: the state of the last complete sync (or `state set`);
- *partial*: bookmarks written on top of it (full refresh, `--state-strategy merge`,
  `state merge`) that a later complete write discards.
What a tap receives, and what `state get` prints, is the partial document deep-merged over
the completed one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from meltano.core.errors import MeltanoError

SINGER_STATE = "singer_state"

Document = dict[str, Any]
# `<environment>:<extractor>-to-<loader>[:<suffix>]`, the IDs `meltano run` makes.
PIPELINE_STATE_ID = re.compile(
    r"(?P<environment>[^:]+):(?P<extractor>.+?)-to-(?P<loader>[^:]+)(?::.*)?"
)


class InvalidStateError(MeltanoError):
    """A state payload that must not be stored."""

    def __init__(self, reason: str, instruction: str | None = None) -> None:
        super().__init__(
            reason,
            instruction
            or "State must be a JSON object like "
            '{"singer_state": {"bookmarks": {...}}}; pass --no-validate to store it as it is',
        )


class EmptyStateError(InvalidStateError):
    """`{}` as Singer state: nothing to store (targets send it; it is not an error for them)."""

    def __init__(self) -> None:
        super().__init__(
            "Invalid state format: singer_state is empty",
            "Clear the state with `meltano state clear` instead of storing an empty one",
        )


@dataclass(frozen=True)
class StoredState:
    """What a backend keeps for one state ID."""

    completed: Mapping[str, Any] = field(default_factory=dict)
    partial: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.completed and not self.partial

    def merged(self) -> Document:
        """The document a tap gets: partial deep-merged over completed."""
        return deep_merge(self.completed, self.partial)

    def to_json(self) -> Document:
        """The `{"completed": ..., "partial": ...}` shape of files, objects and exports."""
        return {"completed": dict(self.completed), "partial": dict(self.partial)}


class UnreadableState(StoredState):
    """Stored state that could not be decoded, handed to an update's change function.

    Writes that replace the state (complete writes, clears) never look at it, so they can
    repair a corrupt document; anything that reads it (a partial write) fails closed.
    """

    error: CorruptStateError

    def __init__(self, error: CorruptStateError) -> None:
        object.__setattr__(self, "error", error)

    @property
    def completed(self) -> Mapping[str, Any]:
        raise self.error

    @property
    def partial(self) -> Mapping[str, Any]:
        raise self.error


def current_or_unreadable(read: Callable[[], StoredState]) -> StoredState:
    """What an update's change function gets: the stored state, or an UnreadableState."""
    try:
        return read()
    except CorruptStateError as error:
        return UnreadableState(error)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> Document:
    """Merge `override` into a copy of `base`: maps merge recursively, other values replace."""
    result: Document = dict(base)
    for key, value in override.items():
        current = result.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            result[key] = deep_merge(current, value)
        else:
            result[key] = value
    return result


def write_complete(_stored: StoredState, new: Mapping[str, Any]) -> StoredState:
    """A complete write replaces completed state and drops any partial state."""
    return StoredState(completed=dict(new), partial={})


def write_partial(stored: StoredState, new: Mapping[str, Any]) -> StoredState:
    """A partial write merges into the partial state; completed state is kept."""
    return StoredState(completed=stored.completed, partial=deep_merge(stored.partial, new))


def is_valid(document: Mapping[str, Any]) -> bool:
    """Whether a stored document holds Singer state (`state list` shows others in red)."""
    return isinstance(document.get(SINGER_STATE), Mapping)


def parse_json_object(text: str | bytes, *, what: str = "state") -> Document:
    """Parse JSON text that must be an object; anything else raises InvalidStateError."""
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidStateError(f"Invalid JSON provided for {what}: {error}") from error
    if not isinstance(value, dict):
        raise InvalidStateError(f"Invalid {what}: expected a JSON object, got {_json_type(value)}")
    return value


def parse_singer_state(text: str | bytes) -> Document:
    """The value of one STATE message from a target: a non-empty JSON object.

    The pipeline stores what this returns as `{"singer_state": value}`; `state set` applies
    the same check to the `singer_state` it is given, except that it may be empty (a reset).
    """
    value = parse_json_object(text, what="Singer state")
    check_singer_state(value)
    return value


def check_singer_state(value: object, *, allow_empty: bool = False) -> None:
    """Reject a Singer state value that is not a JSON object (nor an empty one, unless
    `allow_empty`)."""
    if not isinstance(value, dict):
        raise InvalidStateError(
            f"Invalid state format: singer_state must be a JSON object, got {_json_type(value)}"
        )
    if not value and not allow_empty:
        raise EmptyStateError()


def parse_state_document(text: str | bytes, *, validate: bool = True) -> Document:
    """A document given to `state set`/`merge`: `{"singer_state": {...}}` when validating.

    An empty `singer_state` is accepted: setting it by hand is how bookmarks are reset while
    keeping the state ID (a target's empty STATE message, by contrast, is not stored).
    """
    document = parse_json_object(text)
    if validate:
        if SINGER_STATE not in document:
            raise InvalidStateError(
                "Invalid state format: singer_state not found in the top level of the "
                "provided state"
            )
        check_singer_state(document[SINGER_STATE], allow_empty=True)
    return document


def parse_stored(data: object, *, origin: str) -> StoredState:
    """Read a `{"completed": ..., "partial": ...}` value; missing or null parts read as `{}`."""
    if not isinstance(data, dict):
        raise CorruptStateError(origin, f"expected a JSON object, got {_json_type(data)}")
    parts: dict[str, Mapping[str, Any]] = {}
    for key in ("completed", "partial"):
        part = data.get(key)
        if part is None:
            part = {}
        if not isinstance(part, dict):
            raise CorruptStateError(origin, f"{key!r} is {_json_type(part)}, not an object")
        parts[key] = part
    return StoredState(completed=parts["completed"], partial=parts["partial"])


def decode_stored(raw: bytes, *, origin: str) -> StoredState:
    """Decode a state file or object; a torn or corrupt one fails instead of reading as empty."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise CorruptStateError(origin, str(error)) from error
    return parse_stored(data, origin=origin)


def encode_stored(stored: StoredState) -> bytes:
    """The bytes of a state file or object, in the layout 4.4.1 writes."""
    return json.dumps(stored.to_json()).encode()


def parse_export(data: object) -> dict[str, StoredState]:
    """Read `state export` output: `{"<state id>": {"completed": ..., "partial": ...}}`."""
    if not isinstance(data, dict):
        raise InvalidStateError(
            f"Invalid state export: expected a JSON object, got {_json_type(data)}",
            "Pass what `meltano state export` printed",
        )
    return {
        str(state_id): parse_stored(entry, origin=f"the entry for {state_id!r}")
        for state_id, entry in data.items()
    }


class CorruptStateError(MeltanoError):
    """Stored state that cannot be read; we stop rather than run a silent full refresh."""

    def __init__(self, origin: str, detail: str) -> None:
        super().__init__(
            f"The stored state in {origin} is corrupt ({detail})",
            "Fix or remove it (`meltano state set` or `meltano state clear`); nothing was "
            "overwritten",
        )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class StateIdError(MeltanoError):
    """A state ID that holds a control character (a newline, a tab, NUL...)."""

    def __init__(self, state_id: str, position: int) -> None:
        super().__init__(
            f"The state ID {state_id!r} contains a control character "
            f"(U+{ord(state_id[position]):04X} at position {position})",
            "Use a state ID of printable characters: no newline, tab or NUL",
        )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_state_id_characters(state_id: str) -> str:
    """`state_id`, if it holds no control character: such an ID breaks logs, file names and
    every listing that shows one ID per line."""
    found = _CONTROL.search(state_id)
    if found is not None:
        raise StateIdError(state_id, found.start())
    return state_id


def environment_of(state_id: str) -> str | None:
    """The environment named by a pipeline state ID (`dev:tap-x-to-target-y` -> `dev`)."""
    match = PIPELINE_STATE_ID.fullmatch(state_id)
    return match["environment"] if match else None
