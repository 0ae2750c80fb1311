"""One head again: platform item ids, legal orders, notices and the learning loop meet here

The four revisions were written side by side off 0007; this merge changes no
table. New revisions chain from here.

Revision ID: 0015_one_head
Revises: 0008_platform_item_ids, 0009_legal_orders, 0011_notices, 0014_learning
Create Date: 2026-12-06 18:10:00
"""

revision = "0015_one_head"
down_revision = ("0008_platform_item_ids", "0009_legal_orders", "0011_notices", "0014_learning")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
