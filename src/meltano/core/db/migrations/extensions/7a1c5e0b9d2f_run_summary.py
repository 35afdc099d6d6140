"""Keep each run's end-of-run summary (JSON text) beside its record.

The first revision of our own chain, recorded in `meltano_extensions_version` so that
`alembic_version` stays at Meltano 4.4.1's head: 4.4.1 reads and writes the table as before
and leaves the nullable column empty.

Revision ID: 7a1c5e0b9d2f
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7a1c5e0b9d2f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("summary", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("summary")
