"""Statements of reasons (DSA Art 17): one per restrictive decision, whether the uploader was told (held under a
TCO Art 11(3) non-disclosure decision), and its submission to the DSA Transparency Database (Art 24(5))

A new table only; it names its item by (platform, item_id) without a foreign key to `items`.

Revision ID: 0016_statements
Revises: 0015_one_head
Create Date: 2026-12-06 18:30:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import JSONType, UTCDateTime

revision = "0016_statements"
down_revision = "0015_one_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("puid", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=32), nullable=False),
        sa.Column("restriction", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("countries", JSONType, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("rules", JSONType, nullable=False),
        sa.Column("detectors", JSONType, nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("automated_detection", sa.Boolean(), nullable=False),
        sa.Column("automated_decision", sa.String(length=40), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("record", JSONType, nullable=False),
        sa.Column("held_until", UTCDateTime(), nullable=True),
        sa.Column("told_at", UTCDateTime(), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("tdb_state", sa.String(length=16), nullable=False),
        sa.Column("tdb_attempts", sa.Integer(), nullable=False),
        sa.Column("tdb_uuid", sa.String(length=64), nullable=True),
        sa.Column("tdb_submitted_at", UTCDateTime(), nullable=True),
        sa.Column("tdb_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("puid", name=op.f("uq_statements_puid")),
    )
    with op.batch_alter_table("statements") as batch:
        batch.create_index("ix_statements_platform_item", ["platform", "item_id"], unique=False)
        batch.create_index("ix_statements_held", ["told_at", "held_until"], unique=False)
        batch.create_index(batch.f("ix_statements_decided_at"), ["decided_at"], unique=False)
        batch.create_index(batch.f("ix_statements_tdb_state"), ["tdb_state"], unique=False)


def downgrade() -> None:
    op.drop_table("statements")
