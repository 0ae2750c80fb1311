"""Symbol banks: a bank says what it holds (hashes or symbols); symbols, their reference images and matches

Revision ID: 0020_symbols
Revises: 0015_one_head
Create Date: 2026-12-06 18:30:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import JSONType, UTCDateTime

revision = "0020_symbols"
down_revision = "0015_one_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.add_column(sa.Column("holds", sa.String(length=16), nullable=False, server_default="hashes"))
    op.create_table(
        "symbols",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=256), nullable=False),
        sa.Column("labels", JSONType, nullable=False),
        sa.Column("source", sa.String(length=256), nullable=True),
        sa.Column("sensitivity", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"], name=op.f("fk_symbols_bank_id_banks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_symbols")),
    )
    op.create_index(op.f("ix_symbols_bank_id"), "symbols", ["bank_id"], unique=False)
    op.create_index(op.f("ix_symbols_updated_at"), "symbols", ["updated_at"], unique=False)
    op.create_table(
        "symbol_references",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("symbol_id", sa.Integer(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=False),
        sa.Column("features", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["symbol_id"], ["symbols.id"], name=op.f("fk_symbol_references_symbol_id_symbols"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_symbol_references")),
    )
    op.create_index(op.f("ix_symbol_references_symbol_id"), "symbol_references", ["symbol_id"], unique=False)
    op.create_table(
        "symbol_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("symbol_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("polygon", JSONType, nullable=False),
        sa.Column("matched_at", UTCDateTime(), nullable=False),
        sa.Column("opinion", sa.String(length=16), nullable=True),
        sa.Column("opinion_by", sa.String(length=128), nullable=True),
        sa.Column("opinion_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["symbol_id"], ["symbols.id"], name=op.f("fk_symbol_matches_symbol_id_symbols"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_symbol_matches")),
        sa.UniqueConstraint("symbol_id", "platform", "item_id", name="uq_symbol_matches_pair"),
    )
    op.create_index("ix_symbol_matches_symbol_at", "symbol_matches", ["symbol_id", "matched_at"], unique=False)


def downgrade() -> None:
    op.drop_table("symbol_matches")
    op.drop_table("symbol_references")
    op.drop_table("symbols")
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("holds")
