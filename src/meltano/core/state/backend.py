"""The seam between state commands/pipelines and storage: a protocol and a registry by scheme."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable
from urllib.parse import urlsplit

import structlog

from meltano.core.errors import MeltanoError
from meltano.core.state.model import StoredState
from meltano.core.state.redact import redact
from meltano.core.state.settings import state_backend_settings

if TYPE_CHECKING:
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


def _entry_points() -> dict[str, Callable[..., object]]:
    from importlib.metadata import entry_points  # add-ons only: zipfile, csv and email with it

    found: dict[str, Callable[..., object]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if not entry.value.startswith("meltano.core.state_store."):  # 4.4.1's own, if installed
            found[entry.name] = entry.load
    return found


def factory_for(scheme: str) -> BackendFactory:
    """The factory registered for a scheme, built-in first, then add-ons by entry point."""
    target = BUILTIN.get(scheme)
    if target is not None:
        module_name, _, attribute = target.partition(":")
        factory: BackendFactory = getattr(importlib.import_module(module_name), attribute)
        return factory
    addon = _entry_points().get(scheme)
    if addon is None:
        raise UnknownBackendError(scheme, known_schemes())
    loaded = addon()
    if not callable(loaded):
        raise MeltanoError(
            f"The state backend add-on for scheme '{scheme}' does not provide a factory",
            f"Its `{ENTRY_POINT_GROUP}` entry point must name a callable",
        )
    return cast("BackendFactory", loaded)  # add-ons follow BackendFactory by contract


def open_backend(settings: StateBackendSettings, project: Project | None = None) -> StateBackend:
    """The backend that `state_backend.uri` selects."""

    scheme = scheme_of(settings.uri)
    backend = factory_for(scheme)(settings.uri, settings, project)
    log.debug("using state backend", backend=scheme, uri=redact(settings.uri))
    return backend


def project_backend(project: Project) -> StateBackend:
    """The backend the project's `state_backend.*` settings select."""

    return open_backend(state_backend_settings(project), project)
