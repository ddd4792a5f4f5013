"""po transmissions: the 850s and 860s we sent suppliers, matched to their 997/999 by control number

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "po_transmissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=63), nullable=False),
        sa.Column("po_number", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("outbox_id", sa.String(length=40), nullable=False),
        sa.Column("interchange_control", sa.String(length=9), nullable=False),
        sa.Column("group_control", sa.String(length=9), nullable=False),
        sa.Column("set_control", sa.String(length=9), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_po_transmissions_po", "po_transmissions", ["partner_id", "po_number"])
    op.create_index(
        "ix_po_transmissions_group", "po_transmissions", ["partner_id", "group_control"]
    )


def downgrade() -> None:
    op.drop_index("ix_po_transmissions_group", table_name="po_transmissions")
    op.drop_index("ix_po_transmissions_po", table_name="po_transmissions")
    op.drop_table("po_transmissions")
