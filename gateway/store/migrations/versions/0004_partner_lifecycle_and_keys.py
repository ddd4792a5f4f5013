"""partner lifecycle and keys: statuses draft/testing/live/suspended, API keys in their own table
(several per partner, last use), events marked test (kept from the ERP)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RENAMED = {"test": "testing", "production": "live"}


def upgrade() -> None:
    op.create_table(
        "partner_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=63), nullable=False),
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_keys_key_hash"), ["key_hash"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_partner_keys_partner_id"), ["partner_id"], unique=False
        )
    op.execute(
        "INSERT INTO partner_keys (partner_id, key_hash, prefix, created_at) "
        "SELECT id, api_key_hash, COALESCE(api_key_prefix, ''), updated_at FROM partners "
        "WHERE api_key_hash IS NOT NULL"
    )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("api_key_prefix")
        batch_op.drop_column("api_key_hash")
    for old, new in RENAMED.items():
        op.execute(
            sa.text("UPDATE partners SET status = :new WHERE status = :old").bindparams(
                old=old, new=new
            )
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("test", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("test")
    for old, new in RENAMED.items():
        op.execute(
            sa.text("UPDATE partners SET status = :old WHERE status = :new").bindparams(
                old=old, new=new
            )
        )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_hash", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("api_key_prefix", sa.String(length=12), nullable=True))
    # One key per partner again: the newest survives.
    op.execute(
        "UPDATE partners SET api_key_hash = (SELECT k.key_hash FROM partner_keys k "
        "WHERE k.partner_id = partners.id ORDER BY k.id DESC LIMIT 1), "
        "api_key_prefix = (SELECT k.prefix FROM partner_keys k "
        "WHERE k.partner_id = partners.id ORDER BY k.id DESC LIMIT 1)"
    )
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_keys_partner_id"))
        batch_op.drop_index(batch_op.f("ix_partner_keys_key_hash"))
    op.drop_table("partner_keys")
