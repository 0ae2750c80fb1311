"""One head again: statements of reasons and complaints, symbol banks, and actors with their conduct meet here

Written side by side off 0015; this merge changes no table.

Revision ID: 0050_statements_and_actors
Revises: 0017_complaints, 0020_symbols, 0030_actors
Create Date: 2026-12-06 18:45:00
"""

revision = "0050_statements_and_actors"
down_revision = ("0017_complaints", "0020_symbols", "0030_actors")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
