"""Meltano 4 (after 4.0): the tables of the retired web UI go; `runs`, `state` and
`plugin_settings` stay.

The same revision ID as migrations/versions/, which creates this schema in one step for a new
database: a database upgraded here and one created there are alike, and Meltano 4.4.1 reads
both.

Revision ID: c0efb3c314eb
Revises: 6828cc5b1a4f
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0efb3c314eb"
down_revision = "6828cc5b1a4f"
branch_labels = None
depends_on = None

# Children before parents, so no foreign key is left pointing at a dropped table.
UI_TABLES = (
    "roles_users",
    "role_permissions",
    "oauth",
    "embed_tokens",
    "subscriptions",
    "user",
    "role",
)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = set(inspector.get_table_names())
    for table in UI_TABLES:
        if table in present:
            op.drop_table(table)
    # Meltano 2.2-2.7 left `plugin_settings.label` a DATETIME column (always empty); make it
    # text again, as a new database has it.
    label = next(c for c in inspector.get_columns("plugin_settings") if c["name"] == "label")
    if not isinstance(label["type"], sa.String):
        with op.batch_alter_table("plugin_settings") as batch:
            batch.alter_column(
                "label", type_=sa.String(255), existing_nullable=True, postgresql_using="NULL"
            )


def downgrade() -> None:
    raise NotImplementedError("The web UI's tables are not recreated")
