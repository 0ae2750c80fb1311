"""retro matching is durable: each entry records when it was matched against past items

Revision ID: 0004_retro_pending
Revises: 0003_review
Create Date: 2026-11-25 09:35:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import UTCDateTime

revision = "0004_retro_pending"
down_revision = "0003_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.add_column(sa.Column("retro_matched_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_bank_entries_retro_matched_at", ["retro_matched_at"])
    # Entries from before this revision were matched when they were added.
    op.execute("UPDATE bank_entries SET retro_matched_at = added_at")


def downgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.drop_index("ix_bank_entries_retro_matched_at")
        batch.drop_column("retro_matched_at")
