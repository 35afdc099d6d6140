"""Meltano 2.8: the state table's key column `job_name` becomes `state_id`.

The rows stay as they are. (Meltano's own step rebuilds the table from the run history, which
drops state set by hand in 2.7 and copies failed runs' error text into state.)

Revision ID: 6828cc5b1a4f
Revises: f4c225a9492f
"""

from __future__ import annotations

from alembic import op

revision = "6828cc5b1a4f"
down_revision = "f4c225a9492f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("state") as batch:
        batch.alter_column("job_name", new_column_name="state_id")


def downgrade() -> None:
    with op.batch_alter_table("state") as batch:
        batch.alter_column("state_id", new_column_name="job_name")
