"""What a state backend add-on written for Meltano 4.4.1 codes against.

Such an add-on subclasses `StateStoreManager`, exchanges `MeltanoState` objects with Meltano
and raises the two errors below; it imports them from `meltano.core.state_store.base`, which
re-exports this module. `backends/addon.py` drives a manager through our StateBackend
protocol. The behaviour of the base class's concrete methods and of `MeltanoState` is 4.4.1's,
observed by running add-ons under it.
"""

from __future__ import annotations

import abc
import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError
from meltano.core.state.model import CorruptStateError, deep_merge

if TYPE_CHECKING:
    from typing_extensions import Self


class MissingStateBackendSettingsError(MeltanoError):
    """A setting the add-on needs is not set (4.4.1 add-ons raise it from `__init__`)."""

    def __init__(self, reason: str = "A state backend setting is missing") -> None:
        super().__init__(reason)


class StateIDLockedError(MeltanoError):
    """The add-on could not take the lock of a state ID in time."""

    def __init__(self, reason: str = "The state ID is locked") -> None:
        super().__init__(reason, "Another process is writing this state ID; try again later")


class UnsupportedStateBackendURIError(MeltanoError):
    """The add-on cannot use the URI it was given."""

    def __init__(self, reason: str = "Unsupported state backend URI") -> None:
        super().__init__(reason, "Fix `state_backend.uri`")


@dataclass
class MeltanoState:
    """The state of one state ID as an add-on stores it: completed and partial documents.

    Missing documents are None or `{}`; both mean "nothing stored". Mutable, as in 4.4.1
    (`merge_partial` changes the object it is called on).
    """

    state_id: str
    partial_state: dict[str, Any] | None = None
    completed_state: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, state_id: str, json_str: str) -> MeltanoState:
        """Read `{"completed": ..., "partial": ...}`; a missing key is `{}`, a null stays None."""
        try:
            data = json.loads(json_str)
        except ValueError as error:
            raise CorruptStateError(f"the add-on's state of {state_id!r}", str(error)) from error
        if not isinstance(data, dict):
            raise CorruptStateError(f"the add-on's state of {state_id!r}", "not a JSON object")
        return cls(
            state_id,
            partial_state=data.get("partial", {}),
            completed_state=data.get("completed", {}),
        )

    @classmethod
    def from_file(cls, state_id: str, file_obj: IO[str]) -> MeltanoState:
        return cls.from_json(state_id, file_obj.read())

    def to_dict(self) -> dict[str, Any]:
        return {"completed": self.completed_state, "partial": self.partial_state}

    def json(self) -> str:
        """The text add-ons store: `{"completed": ..., "partial": ...}`."""
        return json.dumps(self.to_dict())

    def json_merged(self) -> str:
        """The document a tap receives: partial deep-merged over completed."""
        return json.dumps(deep_merge(self.completed_state or {}, self.partial_state or {}))

    def merge_partial(self, state: MeltanoState) -> None:
        """Deep-merge another state's partial document into this one's."""
        self.partial_state = deep_merge(self.partial_state or {}, state.partial_state or {})

    def is_complete(self) -> bool:
        """Whether a completed document is held."""
        return bool(self.completed_state)


class StateStoreManager(abc.ABC):
    """The base class of 4.4.1 add-on backends.

    Meltano constructs a subclass as `Manager(uri, lock_timeout_seconds=..,
    lock_retry_seconds=.., **settings)`, one keyword per `state_backend.<scheme>.<key>` setting
    the add-on declares, and the subclass passes what it does not take on to `__init__` here.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._lock_retry_seconds = kwargs.get("lock_retry_seconds", 1)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release connections; Meltano calls it once it is done with the manager."""
        return None

    @property
    @abc.abstractmethod
    def label(self) -> str:
        """A name for messages, e.g. `PostgreSQL`."""

    @abc.abstractmethod
    def set(self, state: MeltanoState) -> None:
        """Store the state as given (both documents); Meltano holds the ID's lock."""

    @abc.abstractmethod
    def get(self, state_id: str) -> MeltanoState | None:
        """The stored state, or None."""

    @abc.abstractmethod
    def delete(self, state_id: str) -> None:
        """Forget the state ID."""

    @abc.abstractmethod
    def get_state_ids(self, pattern: str | None = None) -> Iterable[str]:
        """Stored state IDs, optionally filtered by a glob (`*`, `?`)."""

    @abc.abstractmethod
    def acquire_lock(
        self, state_id: str, *, retry_seconds: float
    ) -> contextlib.AbstractContextManager[None]:
        """A context manager holding the state ID's write lock."""

    def update(self, state: MeltanoState) -> None:
        """A complete state replaces what is stored; a partial one is merged into it."""
        with self.acquire_lock(state.state_id, retry_seconds=self._lock_retry_seconds):
            if not state.is_complete():
                stored = self.get(state.state_id)
                if stored is not None:
                    stored.merge_partial(state)
                    state = stored
            self.set(state)

    def clear(self, state_id: str) -> None:
        with self.acquire_lock(state_id, retry_seconds=self._lock_retry_seconds):
            self.delete(state_id)

    def get_all(self, pattern: str | None = None) -> Iterator[MeltanoState]:
        for state_id in self.get_state_ids(pattern):
            state = self.get(state_id)
            if state is not None:
                yield state

    def set_all(self, states: Iterable[MeltanoState]) -> int:
        count = 0
        for state in states:
            self.set(state)
            count += 1
        return count

    def clear_all(self) -> int:
        """Delete every state ID; return how many there were."""
        state_ids = list(self.get_state_ids("*"))
        for state_id in state_ids:
            self.clear(state_id)
        return len(state_ids)

    def migrate(self) -> None:
        """Upgrade the add-on's storage; nothing to do unless the add-on says otherwise."""
        return None
