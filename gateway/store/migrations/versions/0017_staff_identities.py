"""staff identities: console sign-in through an OpenID Connect provider, by issuer and subject

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_identities",
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=63), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["staff.username"]),
        sa.PrimaryKeyConstraint("issuer", "subject"),
    )
    op.create_index("ix_staff_identities_username", "staff_identities", ["username"])


def downgrade() -> None:
    op.drop_index("ix_staff_identities_username", table_name="staff_identities")
    op.drop_table("staff_identities")
