"""sla timers: the running timers of each PO, and events the gateway raises itself (no message)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchase_orders") as batch:
        batch.add_column(sa.Column("sla_due", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("sla_fired", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_fire_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_purchase_orders_next_due_at", "purchase_orders", ["next_due_at"])
    op.create_index("ix_purchase_orders_next_fire_at", "purchase_orders", ["next_fire_at"])
    with op.batch_alter_table("events") as batch:
        batch.alter_column("message_id", existing_type=sa.String(length=40), nullable=True)


def downgrade() -> None:
    op.execute(
        "DELETE FROM deliveries WHERE event_id IN (SELECT id FROM events WHERE message_id IS NULL)"
    )
    op.execute("DELETE FROM events WHERE message_id IS NULL")
    with op.batch_alter_table("events") as batch:
        batch.alter_column("message_id", existing_type=sa.String(length=40), nullable=False)
    op.drop_index("ix_purchase_orders_next_fire_at", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_next_due_at", table_name="purchase_orders")
    with op.batch_alter_table("purchase_orders") as batch:
        batch.drop_column("next_fire_at")
        batch.drop_column("next_due_at")
        batch.drop_column("sla_fired")
        batch.drop_column("sla_due")
