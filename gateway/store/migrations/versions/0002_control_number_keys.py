"""control-number keys on transactions (GS06 and ST02 duplicate layers)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("group_key", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("control_key", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_transactions_group_key"), ["group_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_transactions_control_key"), ["control_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_control_key"))
        batch_op.drop_index(batch_op.f("ix_transactions_group_key"))
        batch_op.drop_column("control_key")
        batch_op.drop_column("group_key")
