"""The schema of a Meltano 2.0-2.1 system database: the start of the legacy chain.

Nothing to do: this revision only names databases that are already in this shape (run history
in `job`, keyed by `job_id`; settings in `plugin_settings`; the UI's tables beside them).

Revision ID: 13e8639c6d2b
Revises:
"""

from __future__ import annotations

revision = "13e8639c6d2b"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """A database reaches this revision only by being made by Meltano 2.0 or 2.1."""


def downgrade() -> None:
    raise NotImplementedError("Databases are never downgraded below Meltano 2.0's schema")
