"""outbox targets: an item may name where it goes and the headers it goes with (an asynchronous
AS2 MDN: its Receipt-Delivery-Option URL and MIME headers), so that it is sent by the workers
with retries like any other item, and survives a restart

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("headers")
        batch_op.drop_column("target_url")
