"""sftp accounts: what the hosted SFTP server saw of each partner's account (logins, files,
refusals)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sftp_accounts",
        sa.Column("partner_id", sa.String(length=63), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_from", sa.String(length=64), nullable=True),
        sa.Column("logins", sa.Integer(), nullable=False),
        sa.Column("files_received", sa.Integer(), nullable=False),
        sa.Column("bytes_received", sa.BigInteger(), nullable=False),
        sa.Column("last_file_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auth_failures", sa.Integer(), nullable=False),
        sa.Column("quota_failures", sa.Integer(), nullable=False),
        sa.Column("traversal_failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.String(length=500), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("partner_id"),
    )


def downgrade() -> None:
    op.drop_table("sftp_accounts")
