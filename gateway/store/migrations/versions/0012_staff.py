"""staff accounts, personal API tokens and console sessions; events by time for the dashboard

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("username", sa.String(length=63), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=63), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["staff.username"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_staff_tokens_username", "staff_tokens", ["username"])
    op.create_table(
        "staff_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=63), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["staff.username"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_staff_sessions_username", "staff_sessions", ["username"])
    # The console's dashboard and tracker read by time: without these, PostgreSQL scans every
    # message and event (bench/console.py).
    op.create_index("ix_events_created_at", "events", ["created_at"])
    op.create_index("ix_inbound_received_at", "inbound_messages", ["received_at"])
    op.create_index("ix_transactions_status", "transactions", ["status"])
    for column in ("interchange_control_number", "group_control_number"):
        op.create_index(f"ix_transactions_{column}", "transactions", [column])
    op.create_index(  # a partner's certification checklist reads its test documents only
        "ix_events_partner_test",
        "events",
        ["partner_id"],
        postgresql_where=sa.text("test"),
        sqlite_where=sa.text("test"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_partner_test", table_name="events")
    op.drop_index("ix_transactions_status", table_name="transactions")
    for column in ("interchange_control_number", "group_control_number"):
        op.drop_index(f"ix_transactions_{column}", table_name="transactions")
    op.drop_index("ix_inbound_received_at", table_name="inbound_messages")
    op.drop_index("ix_events_created_at", table_name="events")
    op.drop_table("staff_sessions")
    op.drop_table("staff_tokens")
    op.drop_table("staff")
