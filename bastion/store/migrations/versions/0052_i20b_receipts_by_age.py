"""Stream receipts by age: an index on recorded_at, so that pruning old receipts in batches scans nothing

Revision ID: i20b_receipts_by_age
Revises: 0051_stream_receipts_joined
Create Date: 2026-12-06 21:30:00
"""

from alembic import op

revision = "i20b_receipts_by_age"
down_revision = "0051_stream_receipts_joined"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stream_receipts_recorded_at", "stream_receipts", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_stream_receipts_recorded_at", table_name="stream_receipts")
