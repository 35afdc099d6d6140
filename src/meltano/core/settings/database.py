"""The project's system database, opened as Meltano's settings say.

Opening it needs settings (`database_uri`, `database_max_retries`, `database_retry_timeout`),
so it happens here; `db/` itself takes a URL and a retry policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meltano.core.db.connect import database_uri, open_url, sqlite_file
from meltano.core.db.sql import RetryPolicy
from meltano.core.settings.project_settings import get_setting

if TYPE_CHECKING:
    from meltano.core.db.sql import Database
    from meltano.core.project.project import Project


def retry_policy(project: Project) -> RetryPolicy:
    """The connection retry settings (for database servers)."""
    retries = get_setting(project, "database_max_retries")
    timeout = get_setting(project, "database_retry_timeout")
    return RetryPolicy(
        max_retries=max(0, int(retries if retries is not None else 3)),
        retry_timeout=max(0.0, float(timeout if timeout is not None else 5)),
    )


def open_database(project: Project) -> Database:
    """The project's system database, connected and at our head revision."""
    uri = database_uri(project, project.database_uri_override)
    if sqlite_file(uri) is not None:
        return open_url(uri)  # a local file: no connection retries to configure
    return open_url(uri, retry_policy(project))


def upgrade_database(project: Project) -> bool:
    """Migrate the project's system database; True when a migration ran."""
    from meltano.core.db.engine import upgrade_database as upgrade  # SQLAlchemy and Alembic

    return upgrade(database_uri(project, project.database_uri_override), retry_policy(project))
