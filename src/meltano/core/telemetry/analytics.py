"""`.meltano/analytics.json`: the client id, project id and switch last seen."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog

from meltano.core.ids import uuid7

log = structlog.get_logger(__name__)
FILE_NAME = "analytics.json"


@dataclass(frozen=True)
class Analytics:
    """What analytics.json holds (the same keys as Meltano 4.4.1)."""

    client_id: str
    project_id: str
    send_anonymous_usage_stats: bool


@dataclass(frozen=True)
class AnalyticsSync:
    """The current values, and whether the project id or the switch changed."""

    analytics: Analytics
    changed: bool


def read_analytics(path: Path) -> dict[str, Any]:
    """The file's content, or {} when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sync_analytics(
    sys_dir: Path, *, project_id: str, enabled: bool, client_id: str | None = None
) -> AnalyticsSync:
    """Bring analytics.json up to date; the client id persists unless `client_id` is given.

    Rewrites the file when a key is missing or a value differs; a read-only `.meltano/`
    is tolerated (the values are still returned).
    """

    path = sys_dir / FILE_NAME
    stored = read_analytics(path)
    current = Analytics(
        client_id=client_id or str(stored.get("client_id") or uuid7()),
        project_id=project_id,
        send_anonymous_usage_stats=enabled,
    )
    changed = bool(stored) and (
        stored.get("project_id") != project_id
        or stored.get("send_anonymous_usage_stats") != enabled
    )
    if stored != asdict(current):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(current)))
        except OSError as error:
            log.debug("cannot write analytics.json", error=str(error))
    return AnalyticsSync(current, changed)
