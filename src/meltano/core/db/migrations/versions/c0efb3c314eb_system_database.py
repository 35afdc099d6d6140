"""Create the system database as Meltano 4.4.1 leaves it.

Meltano reached this schema through sixteen migrations; new projects get it in one step. The
revision ID is 4.4.1's head, so databases created here and by 4.4.1 are interchangeable.

Revision ID: c0efb3c314eb
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0efb3c314eb"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_name", sa.String),
        sa.Column("state", sa.String(7).with_variant(sa.String(10), "postgresql")),
        sa.Column("started_at", sa.DateTime),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("payload", sa.String),
        sa.Column("payload_flags", sa.Integer),
        sa.Column("run_id", sa.Uuid),  # CHAR(32) on SQLite, native UUID on PostgreSQL
        sa.Column("trigger", sa.String),
        sa.Column("last_heartbeat_at", sa.DateTime),
    )
    op.create_table(
        "plugin_settings",
        sa.Column("label", sa.String(255)),
        sa.Column("description", sa.Text),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("namespace", sa.String(255)),
        sa.Column("value", sa.LargeBinary),
        sa.Column("enabled", sa.Boolean),
        sa.PrimaryKeyConstraint("name", "namespace"),
    )
    op.create_table(
        "state",
        sa.Column("state_id", sa.String(900), nullable=False),
        sa.Column("partial_state", sa.String),
        sa.Column("completed_state", sa.String),
        sa.Column("updated_at", sa.DateTime),
        sa.PrimaryKeyConstraint("state_id"),
        sa.UniqueConstraint("state_id"),
    )


def downgrade() -> None:
    op.drop_table("state")
    op.drop_table("plugin_settings")
    op.drop_table("runs")
