"""outbox: what we send partners (997/999/TA1 now, 850s later) and every attempt at it

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-05 09:00:00

Outgoing acknowledgements recorded before the outbox existed were never sent: they become
``not_sent`` instead of ``queued`` for ever (the outbox does not take them up: a partner would
suddenly get every old 997 again).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["inbound_messages.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_id", ["message_id"], unique=False)
        batch_op.create_index("ix_outbox_partner_id", ["partner_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_partner_status", ["partner_id", "status", "created_at"], unique=False
        )
        batch_op.create_index("ix_outbox_status_transport", ["status", "transport"], unique=False)

    op.create_table(
        "outbox_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("transport_message_id", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_attempts_item_id", ["item_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_attempt_transport_id", ["transport", "transport_message_id"], unique=False
        )

    with op.batch_alter_table("acknowledgments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outbox_id", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_acknowledgments_outbox_id", ["outbox_id"], unique=False)
        batch_op.create_foreign_key("fk_acknowledgments_outbox_id", "outbox", ["outbox_id"], ["id"])
    op.execute(
        "UPDATE acknowledgments SET status = 'not_sent' "
        "WHERE direction = 'out' AND status = 'queued' AND outbox_id IS NULL"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE acknowledgments SET status = 'queued' WHERE status IN ('not_sent', 'outbox')"
    )
    with op.batch_alter_table("acknowledgments", schema=None) as batch_op:
        batch_op.drop_constraint("fk_acknowledgments_outbox_id", type_="foreignkey")
        batch_op.drop_index("ix_acknowledgments_outbox_id")
        batch_op.drop_column("outbox_id")
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_attempt_transport_id")
        batch_op.drop_index("ix_outbox_attempts_item_id")
    op.drop_table("outbox_attempts")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_transport")
        batch_op.drop_index("ix_outbox_partner_status")
        batch_op.drop_index("ix_outbox_partner_id")
        batch_op.drop_index("ix_outbox_message_id")
    op.drop_table("outbox")
