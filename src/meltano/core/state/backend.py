"""The seam between state commands/pipelines and storage: a protocol and a registry by scheme."""

from __future__ import annotations

import dataclasses
import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.state.model import StoredState
from meltano.core.state.redact import redact
from meltano.core.state.settings import addon_options, state_backend_settings

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from meltano.core.project.project import Project
    from meltano.core.state.settings import StateBackendSettings

log = structlog.get_logger(__name__)

ENTRY_POINT_GROUP = "meltano.state_backends"  # the group 4.4.1 add-ons register under

Change = Callable[[StoredState], "StoredState | None"]


@runtime_checkable
class StateBackend(Protocol):
    """Keeps one StoredState per state ID."""

    def read(self, state_id: str) -> StoredState:
        """The stored state, or an empty StoredState when the ID has none."""
        ...

    def update(self, state_id: str, change: Change) -> None:
        """Atomically replace the state with `change(current)`; None deletes it."""
        ...

    def ids(self, pattern: str | None = None) -> list[str]:
        """State IDs with stored state, sorted, optionally filtered by a glob (pattern.py)."""
        ...


@runtime_checkable
class ClearingBackend(Protocol):
    """A StateBackend that deletes every state ID itself (add-ons: often one statement)."""

    def clear_all(self) -> int:
        """Delete every state ID; return how many there were."""
        ...


class BackendFactory(Protocol):
    def __call__(
        self, uri: str, settings: StateBackendSettings, project: Project | None
    ) -> StateBackend: ...


# scheme -> "module:factory"; imported only when used, so no SDK loads for other backends.
BUILTIN: dict[str, str] = {
    "systemdb": "meltano.core.state.backends.systemdb:open_systemdb",
    "file": "meltano.core.state.backends.file:open_file",
    "s3": "meltano.core.state.backends.s3:open_s3",
    "gs": "meltano.core.state.backends.gcs:open_gcs",
    "azure": "meltano.core.state.backends.azure:open_azure",
    "memory": "meltano.core.state.backends.memory:open_memory",  # a test double; not listed
}
HIDDEN = frozenset({"memory"})
ADDON_ADAPTER = "meltano.core.state.backends.addon:open_addon"


class UnknownBackendError(MeltanoError):
    def __init__(self, scheme: str, known: list[str]) -> None:
        super().__init__(
            f"No state backend found for scheme '{scheme}', available backends are: "
            f"{', '.join(known)}",
            "Fix `state_backend.uri`, or install the add-on that provides this scheme",
        )


def scheme_of(uri: str) -> str:
    """`systemdb` for the default; otherwise the URI scheme (`file`, `s3`, `gs`, ...)."""
    if uri == "systemdb" or "://" not in uri:
        return uri
    return urlsplit(uri).scheme


def known_schemes() -> list[str]:
    """Built-in schemes (systemdb first), then add-on schemes, for messages."""
    builtin = [name for name in BUILTIN if name not in HIDDEN]
    ordered = ["systemdb", *sorted(set(builtin) - {"systemdb"})]
    return ordered + sorted(set(_entry_points()) - set(ordered))


def _entry_points() -> dict[str, EntryPoint]:
    """Add-on backends by scheme. Reading package metadata costs tens of milliseconds, so
    only a scheme that is not built in (and the unknown-scheme message) gets here."""
    from importlib.metadata import entry_points  # add-ons only: zipfile, csv and email with it

    return {
        entry.name: entry
        for entry in entry_points(group=ENTRY_POINT_GROUP)
        if not entry.value.startswith("meltano.")  # 4.4.1's own built-ins, if installed
    }


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def factory_for(scheme: str) -> BackendFactory:
    """The factory registered for a scheme, built-in first, then add-ons by entry point.

    An add-on's entry point names a 4.4.1 `StateStoreManager` subclass; the adapter in
    `backends/addon.py` constructs it and serves it as a StateBackend.
    """
    target = BUILTIN.get(scheme)
    if target is not None:
        factory: BackendFactory = _load(target)
        return factory
    entry = _entry_points().get(scheme)
    if entry is None:
        raise UnknownBackendError(scheme, known_schemes())
    try:
        manager_class = entry.load()
    except Exception as error:  # any failure of the add-on's import
        raise MeltanoError(
            f"The state backend add-on for scheme '{scheme}' ({entry.value}) cannot be "
            f"loaded: {type(error).__name__}: {error}",
            "Reinstall the add-on, with its dependencies, into Meltano's environment",
        ) from error
    if not callable(manager_class):
        raise MeltanoError(
            f"The state backend add-on for scheme '{scheme}' does not name a class",
            f"Its `{ENTRY_POINT_GROUP}` entry point must name a StateStoreManager subclass",
        )
    adapter = _load(ADDON_ADAPTER)
    return functools.partial(adapter, manager_class, scheme)


def open_backend(settings: StateBackendSettings, project: Project | None = None) -> StateBackend:
    """The backend that `state_backend.uri` selects."""

    scheme = scheme_of(settings.uri)
    backend = factory_for(scheme)(settings.uri, settings, project)
    log.debug("using state backend", backend=scheme, uri=redact(settings.uri))
    return backend


def project_backend(project: Project) -> StateBackend:
    """The backend the project's `state_backend.*` settings select."""

    settings = state_backend_settings(project)
    scheme = scheme_of(settings.uri)
    if scheme not in BUILTIN:  # only an add-on's scheme pays for reading add-on settings
        settings = dataclasses.replace(settings, addon_options=addon_options(project, scheme))
    return open_backend(settings, project)
