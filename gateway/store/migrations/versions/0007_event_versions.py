"""event versions: the profile and map version each event was made with, corrections that
supersede a delivered event, and the history of every partner's map versions

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_version", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("map_version", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("supersedes", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_events_supersedes", ["supersedes"], unique=False)
    op.create_table(
        "map_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=63), nullable=False),
        sa.Column("version", sa.String(length=12), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner_id", "version", name="uq_map_version"),
    )


def downgrade() -> None:
    op.drop_table("map_versions")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_supersedes")
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("supersedes")
        batch_op.drop_column("map_version")
        batch_op.drop_column("profile_version")
