"""One head again: the stream's receipts meet statements, symbols and actors

Written side by side off 0015; this merge changes no table.

Revision ID: 0051_stream_receipts_joined
Revises: 0050_statements_and_actors, 0040_stream_receipts
Create Date: 2026-12-06 19:45:00
"""

revision = "0051_stream_receipts_joined"
down_revision = ("0050_statements_and_actors", "0040_stream_receipts")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
