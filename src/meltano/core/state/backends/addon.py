"""A 4.4.1 add-on's StateStoreManager behind our StateBackend protocol.

The manager is constructed the way 4.4.1 does it: `Manager(uri, lock_timeout_seconds=..,
lock_retry_seconds=.., **settings)`, one keyword per `state_backend.<scheme>.<key>` setting
the add-on declares. Every write is what 4.4.1 does for the same command: `get` then `set`
(or `delete`) inside `acquire_lock(state_id, retry_seconds=..)`; `state clear --all` calls
the manager's `clear_all`. Failures of the add-on's own code become MeltanoErrors that name
the add-on, with secrets taken out.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from meltano.core.errors import MeltanoError
from meltano.core.settings.names import to_env_var
from meltano.core.settings.project_settings import definitions
from meltano.core.state.addon_api import MeltanoState, MissingStateBackendSettingsError
from meltano.core.state.model import CorruptStateError, StoredState, current_or_unreadable
from meltano.core.state.pattern import matches
from meltano.core.state.redact import redact

if TYPE_CHECKING:
    from meltano.core.project.project import Project
    from meltano.core.state.backend import Change
    from meltano.core.state.settings import StateBackendSettings

Result = TypeVar("Result")


class AddonNotConfiguredError(MeltanoError):
    """The add-on refused to start because a setting it needs is missing."""

    def __init__(self, scheme: str, reason: str) -> None:
        variable = to_env_var("MELTANO", f"state_backend.{scheme}")
        super().__init__(
            f"The '{scheme}' state backend is not configured: {reason}",
            "Check `state_backend.uri` and the add-on's settings (`meltano config list meltano "
            f"--all`); set one with `meltano config set meltano state_backend.{scheme}.<setting> "
            f"VALUE` or {variable}_<SETTING>",
        )


class AddonFailedError(MeltanoError):
    """The add-on's own code raised something that is not a MeltanoError."""

    def __init__(self, scheme: str, action: str, error: BaseException, secrets: list[str]) -> None:
        detail = redact(f"{type(error).__name__}: {error}")
        for secret in secrets:
            detail = detail.replace(secret, "****")
        super().__init__(
            f"The '{scheme}' state backend add-on could not {action}: {detail}",
            f"Check the `state_backend.{scheme}.*` settings (`meltano config list meltano`) "
            "and that the service they point at is reachable",
        )


class AddonBackend:
    """StateBackend over a StateStoreManager; one manager call at a time."""

    def __init__(
        self, manager: Any, *, scheme: str, lock_retry_seconds: float, secrets: list[str]
    ) -> None:
        self.manager, self.scheme = manager, scheme
        self._retry_seconds = lock_retry_seconds
        self._secrets = secrets
        self._lock = threading.RLock()  # managers hold one connection; calls must not interleave
        close = getattr(manager, "close", None)
        if callable(close):  # as 4.4.1, once Meltano is done with it (here: when it is dropped)
            weakref.finalize(self, close)

    def read(self, state_id: str) -> StoredState:
        with self._lock:
            found = self._call("read state", self.manager.get, state_id, reading=True)
        return _stored(state_id, found)

    def update(self, state_id: str, change: Change) -> None:
        with self._lock, contextlib.ExitStack() as stack:
            lock = self.manager.acquire_lock(state_id, retry_seconds=self._retry_seconds)
            self._call("lock the state ID", stack.enter_context, lock)
            new = change(current_or_unreadable(lambda: self.read(state_id)))
            if new is None:
                self._call("delete state", self.manager.delete, state_id)
                return
            written = MeltanoState(
                state_id, partial_state=dict(new.partial), completed_state=dict(new.completed)
            )
            self._call("write state", self.manager.set, written)

    def ids(self, pattern: str | None = None) -> list[str]:
        with self._lock:
            found = self._call("list state IDs", _listed, self.manager, pattern)
        # Add-ons translate globs to SQL LIKE, where `_` matches any character; ours is literal.
        return sorted(state_id for state_id in set(found) if matches(pattern, state_id))

    def clear_all(self) -> int:
        with self._lock:
            return int(self._call("clear state", self.manager.clear_all))

    def _call(
        self, action: str, function: Callable[..., Result], *args: Any, reading: bool = False
    ) -> Result:
        try:
            return function(*args)
        except MeltanoError:
            raise
        except ValueError as error:  # a stored document the add-on could not decode
            if not reading:
                raise AddonFailedError(self.scheme, action, error, self._secrets) from error
            raise CorruptStateError(f"the '{self.scheme}' state backend", str(error)) from error
        except Exception as error:
            raise AddonFailedError(self.scheme, action, error, self._secrets) from error


def _listed(manager: Any, pattern: str | None) -> list[str]:
    return [str(state_id) for state_id in manager.get_state_ids(pattern)]


def _stored(state_id: str, found: object) -> StoredState:
    if found is None:
        return StoredState()
    parts = []
    for name in ("completed_state", "partial_state"):
        part = getattr(found, name, None)
        if part is None:
            part = {}
        if not isinstance(part, Mapping):
            origin = f"the add-on's state of {state_id!r}"
            raise CorruptStateError(origin, f"{name} is not an object")
        parts.append(part)
    return StoredState(completed=parts[0], partial=parts[1])


def open_addon(
    manager_class: Callable[..., Any],
    scheme: str,
    uri: str,
    settings: StateBackendSettings,
    project: Project | None = None,
) -> AddonBackend:
    """Construct the add-on's manager as 4.4.1 does and wrap it."""
    options = dict(settings.addon_options)
    secrets = _secret_values(scheme, options)
    try:
        manager = manager_class(
            uri,
            lock_timeout_seconds=_number(settings.lock_timeout_seconds),
            lock_retry_seconds=_number(settings.lock_retry_seconds),
            **options,
        )
    except MissingStateBackendSettingsError as error:
        raise AddonNotConfiguredError(scheme, error.reason) from error
    except MeltanoError:
        raise
    except Exception as error:
        raise AddonFailedError(scheme, "start", error, secrets) from error
    return AddonBackend(
        manager,
        scheme=scheme,
        lock_retry_seconds=_number(settings.lock_retry_seconds),
        secrets=secrets,
    )


def _secret_values(scheme: str, options: Mapping[str, Any]) -> list[str]:
    """The values of the add-on's sensitive settings, to keep out of error messages."""
    sensitive = {d.name for d in definitions(addons=True) if d.sensitive}
    return [
        str(value)
        for key, value in options.items()
        if f"state_backend.{scheme}.{key}" in sensitive and value not in (None, "")
    ]


def _number(seconds: float) -> float:
    """Whole seconds as an int, as 4.4.1 passes them (its settings are integers)."""
    return int(seconds) if float(seconds).is_integer() else seconds
