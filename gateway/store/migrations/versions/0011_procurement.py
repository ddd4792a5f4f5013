"""procurement: purchase orders, their lines' state, the supplier documents linked to them and
their discrepancies

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-04 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=63), nullable=False),
        sa.Column("po_number", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("order_date", sa.String(length=10), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invoiced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discrepancy_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner_id", "po_number", name="uq_purchase_order"),
    )
    op.create_index("ix_purchase_orders_po_number", "purchase_orders", ["po_number"])
    op.create_index("ix_purchase_orders_status", "purchase_orders", ["status"])
    op.create_index("ix_purchase_orders_order_date", "purchase_orders", ["order_date"])
    op.create_index(
        "ix_purchase_orders_partner_status", "purchase_orders", ["partner_id", "status"]
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("purchase_order_id", sa.Integer(), nullable=False),
        sa.Column("line_number", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["purchase_order_id"], ["purchase_orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("purchase_order_id", "line_number", name="uq_po_line"),
    )
    op.create_index(
        "ix_purchase_order_lines_purchase_order_id", "purchase_order_lines", ["purchase_order_id"]
    )
    op.create_table(
        "po_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=63), nullable=False),
        sa.Column("po_number", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document_number", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "po_number", name="uq_po_document"),
    )
    op.create_index("ix_po_documents_event_id", "po_documents", ["event_id"])
    op.create_index("ix_po_documents_po", "po_documents", ["partner_id", "po_number"])
    op.create_table(
        "po_discrepancies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("purchase_order_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=True),
        sa.Column("line_number", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["purchase_order_id"], ["purchase_orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_po_discrepancies_purchase_order_id", "po_discrepancies", ["purchase_order_id"]
    )
    op.create_index("ix_po_discrepancies_event_id", "po_discrepancies", ["event_id"])


def downgrade() -> None:
    op.drop_table("po_discrepancies")
    op.drop_table("po_documents")
    op.drop_table("purchase_order_lines")
    op.drop_table("purchase_orders")
