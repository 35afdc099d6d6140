"""CLI command events: `started`, then `completed`/`failed`/`aborted`, then an exit event.

Events carry only Meltano's own command and option names, exit codes, durations, versions,
platform facts and UUIDs: never a setting value, a path, or a name the user typed (not even
hashed: a hash of a short name such as an environment name is easily reversed).
"""

from __future__ import annotations

import contextlib
import os
import platform
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from meltano import __version__
from meltano.core.settings.project_settings import meltano_settings
from meltano.core.telemetry.analytics import sync_analytics
from meltano.core.telemetry.context import context_uuid
from meltano.core.telemetry.snowplow import EventSender, self_describing, valid_endpoints
from meltano.core.telemetry.switch import stats_enabled

if TYPE_CHECKING:
    from meltano.core.project.project import Project

log = structlog.get_logger(__name__)
CLI_EVENT = "iglu:com.meltano/cli_event/jsonschema/1-0-1"
EXIT_EVENT = "iglu:com.meltano/exit_event/jsonschema/1-0-1"
ENVIRONMENT_CONTEXT = "iglu:com.meltano/environment_context/jsonschema/1-2-0"
PROJECT_CONTEXT = "iglu:com.meltano/project_context/jsonschema/1-1-0"
CLI_CONTEXT = "iglu:com.meltano/cli_context/jsonschema/1-1-0"


def as_uuid(text: str | None) -> str | None:
    """`text` as a canonical UUID, or None when it is not one (it is then a user's own text)."""
    try:
        return str(uuid.UUID(str(text)))
    except ValueError:
        return None


@dataclass
class CommandTracker:
    """Sends the events of one command; a tracker without a sender sends nothing."""

    sender: EventSender | None = None
    contexts: list[dict[str, Any]] = field(default_factory=list)

    def cli_event(self, event: str) -> None:
        self._send(CLI_EVENT, {"event": event})

    def exit_event(self, exit_code: int, duration_seconds: float) -> None:
        self._send(
            EXIT_EVENT,
            {
                "exit_code": exit_code,
                "exit_timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "process_duration_microseconds": int(duration_seconds * 1_000_000),
            },
        )

    def close(self) -> None:
        if self.sender is not None:
            self.sender.close()

    def _send(self, schema: str, data: Mapping[str, Any]) -> None:
        if self.sender is not None:
            self.sender.send(schema, data, self.contexts)


def start_tracker(
    project: Project, command: str, *, sub_command: str | None, option_names: Sequence[str]
) -> CommandTracker:
    """Update analytics.json, then a tracker that sends only if statistics are on."""

    settings = meltano_settings(project)
    enabled = stats_enabled(settings, project.environ)
    project_id = str(settings["project_id"].value or "")
    sync = sync_analytics(
        project.sys_dir,
        project_id=project_id,
        enabled=enabled,
        client_id=as_uuid(project.environ.get("MELTANO_CLIENT_ID")),
    )
    if not enabled:
        return CommandTracker()
    endpoints = valid_endpoints(settings["snowplow.collector_endpoints"].value or [])
    if not endpoints:
        return CommandTracker()
    contexts = [
        self_describing(ENVIRONMENT_CONTEXT, _environment_context()),
        self_describing(
            PROJECT_CONTEXT,
            {
                "context_uuid": context_uuid(),
                "project_uuid": as_uuid(project_id),
                "client_uuid": as_uuid(sync.analytics.client_id),
                "environment_name_hash": None,
                "send_anonymous_usage_stats": True,
            },
        ),
        self_describing(
            CLI_CONTEXT,
            {"command": command, "sub_command": sub_command, "option_keys": sorted(option_names)},
        ),
    ]
    return CommandTracker(EventSender(endpoints), contexts)


def _environment_context() -> dict[str, Any]:
    return {
        "context_uuid": context_uuid(),
        "meltano_version": __version__,
        "python_version": platform.python_version(),
        "system_name": platform.system(),
        "machine": platform.machine(),
        "is_ci_environment": bool(os.environ.get("CI")),
        "num_cpu_cores": os.cpu_count(),
    }


@contextlib.contextmanager
def track_command(
    project: Project,
    command: str,
    *,
    sub_command: str | None = None,
    option_names: Sequence[str] = (),
) -> Iterator[None]:
    """Report the command's start and outcome; telemetry problems are logged at debug only."""
    started = time.monotonic()
    try:
        tracker = start_tracker(
            project, command, sub_command=sub_command, option_names=option_names
        )
    except Exception as error:  # telemetry must never fail a command
        log.debug("telemetry disabled for this command", error=str(error))
        tracker = CommandTracker()
    tracker.cli_event("started")
    exit_code = 0
    try:
        yield
    except KeyboardInterrupt:
        exit_code = 130
        raise
    except SystemExit as exit_:
        exit_code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        raise
    except BaseException:
        exit_code = 1
        raise
    finally:
        outcome = {0: "completed", 130: "aborted"}.get(exit_code, "failed")
        tracker.cli_event(outcome)
        tracker.exit_event(exit_code, time.monotonic() - started)
        tracker.close()
