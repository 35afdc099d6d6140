"""Meltano 2.2: the run history table `job` becomes `runs`, its `job_id` becomes `job_name`.

Revision ID: 5b43800443d1
Revises: 13e8639c6d2b
"""

from __future__ import annotations

from alembic import op

revision = "5b43800443d1"
down_revision = "13e8639c6d2b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("job", "runs")
    with op.batch_alter_table("runs") as batch:
        batch.alter_column("job_id", new_column_name="job_name")


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.alter_column("job_name", new_column_name="job_id")
    op.rename_table("runs", "job")
