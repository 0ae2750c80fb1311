"""Stream receipts: the (platform, item id, content digest) of every item a stream worker recorded

Revision ID: 0040_stream_receipts
Revises: 0015_one_head
Create Date: 2026-12-06 18:20:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import UTCDateTime

revision = "0040_stream_receipts"
down_revision = "0015_one_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_receipts",
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "item_id", "digest", name=op.f("pk_stream_receipts")),
    )


def downgrade() -> None:
    op.drop_table("stream_receipts")
