"""The one place that reads Meltano's `state_backend.*` settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from meltano.core.errors import MeltanoError
from meltano.core.settings.project_settings import get_setting, meltano_settings

if TYPE_CHECKING:
    from meltano.core.project.project import Project

DEFAULT_URI = "systemdb"
DEFAULT_LOCK_TIMEOUT_SECONDS = 10.0
DEFAULT_LOCK_RETRY_SECONDS = 1.0

# Names below `state_backend.` that backends read (settings.md §11).
OPTION_NAMES = (
    "s3.aws_access_key_id",
    "s3.aws_secret_access_key",
    "s3.endpoint_url",
    "gcs.application_credentials",
    "gcs.application_credentials_path",
    "gcs.application_credentials_json",
    "azure.connection_string",
    "azure.storage_account_url",
)


@dataclass(frozen=True)
class StateBackendSettings:
    """Which backend to use, how to lock, and backend options by name (`s3.endpoint_url`)."""

    uri: str = DEFAULT_URI
    lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS
    lock_retry_seconds: float = DEFAULT_LOCK_RETRY_SECONDS
    options: Mapping[str, str] = field(default_factory=dict)
    # An add-on backend's own `state_backend.<scheme>.<key>` settings by key, cast by kind:
    # the keyword arguments its manager is constructed with (filled by `project_backend`).
    addon_options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, name: str) -> str | None:
        """A backend option such as `s3.endpoint_url`, or None when unset."""
        return self.options.get(name) or None


def state_backend_settings(project: Project) -> StateBackendSettings:
    """Resolve `state_backend.*` for the project through Meltano's settings."""

    def text(name: str) -> str | None:
        value = get_setting(project, f"state_backend.{name}")
        return None if value is None or value == "" else str(value)

    return StateBackendSettings(
        uri=text("uri") or DEFAULT_URI,
        lock_timeout_seconds=_seconds(text("lock_timeout_seconds"), "lock_timeout_seconds"),
        lock_retry_seconds=_seconds(text("lock_retry_seconds"), "lock_retry_seconds"),
        options={name: value for name in OPTION_NAMES if (value := text(name))},
    )


def addon_options(project: Project, scheme: str) -> dict[str, Any]:
    """The settings an add-on declares for its scheme, resolved like every Meltano setting
    (`MELTANO_STATE_BACKEND_<SCHEME>_<KEY>`, `.env`, `meltano.yml`, defaults) and cast: the
    keyword arguments its manager is constructed with. Only an add-on's scheme asks, since
    finding add-on settings reads package metadata."""
    prefix = f"state_backend.{scheme}."
    return {
        name.removeprefix(prefix): resolved.value
        for name, resolved in meltano_settings(project, addons=True).items()
        if name.startswith(prefix)
    }


def _seconds(text: str | None, name: str) -> float:
    defaults = {
        "lock_timeout_seconds": DEFAULT_LOCK_TIMEOUT_SECONDS,
        "lock_retry_seconds": DEFAULT_LOCK_RETRY_SECONDS,
    }
    if text is None:
        return defaults[name]
    try:
        seconds = float(text)
    except ValueError as error:
        raise MeltanoError(
            f"state_backend.{name} is {text!r}, not a number of seconds",
            f"Set `state_backend.{name}` to a number",
        ) from error
    if seconds < 0:
        raise MeltanoError(f"state_backend.{name} must not be negative", "Use 0 or more seconds")
    return seconds
