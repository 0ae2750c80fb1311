"""Complaints (DSA Art 20, TCO Art 10) as appeals lodged against a statement of reasons: what kind an appeal is,
its statement, the date a TCO complaint must be answered by, and when it was decided

Existing appeals stay appeals (`kind` defaults to 'appeal'); their decision time stays NULL and is read, as
before, from the appeal decision that answered them.

Revision ID: 0017_complaints
Revises: 0016_statements
Create Date: 2026-12-06 18:45:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import UTCDateTime

revision = "0017_complaints"
down_revision = "0016_statements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appeals") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="appeal"))
        batch.add_column(sa.Column("statement_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decide_by", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("decided_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("decided_at")
        batch.drop_column("decide_by")
        batch.drop_column("statement_id")
        batch.drop_column("kind")
