"""Removal orders (TCO Art 3, Annex I): authorities, orders, the items they reach, clock transitions, and the
material preserved under them (Art 6)

Items are named by (platform, item_id) without a foreign key, so these tables
stand whatever shape the items table takes.

Revision ID: 0009_legal_orders
Revises: 0007_bank_owners
Create Date: 2026-12-06 17:30:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import JSONType, UTCDateTime

revision = "0009_legal_orders"
down_revision = "0007_bank_owners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authorities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("member_state", sa.String(length=2), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorities")),
        sa.UniqueConstraint("name", name=op.f("uq_authorities_name")),
        sa.UniqueConstraint("prefix", name=op.f("uq_authorities_prefix")),
    )
    op.create_table(
        "removal_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("regime", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("issuing_state", sa.String(length=2), nullable=False),
        sa.Column("issuing_authority", sa.String(length=200), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("grounds", JSONType, nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("redress", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("non_disclosure_until", UTCDateTime(), nullable=True),
        sa.Column("cross_border", sa.Boolean(), nullable=False),
        sa.Column("clock", sa.String(length=32), nullable=False),
        sa.Column("deadline_at", UTCDateTime(), nullable=True),
        sa.Column("acted_at", UTCDateTime(), nullable=True),
        sa.Column("seconds_to_act", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("not_executed", sa.String(length=32), nullable=True),
        sa.Column("scrutiny_requested_at", UTCDateTime(), nullable=True),
        sa.Column("scrutiny_outcome", sa.String(length=16), nullable=True),
        sa.Column("alerts_sent", JSONType, nullable=False),
        sa.Column("document", JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name=op.f("fk_removal_orders_authority_id_authorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removal_orders")),
        sa.UniqueConstraint("issuing_authority", "reference", name="uq_removal_orders_reference"),
    )
    with op.batch_alter_table("removal_orders") as batch:
        batch.create_index(batch.f("ix_removal_orders_platform"), ["platform"], unique=False)
        batch.create_index(batch.f("ix_removal_orders_received_at"), ["received_at"], unique=False)
        batch.create_index(batch.f("ix_removal_orders_clock"), ["clock"], unique=False)
    op.create_table(
        "removal_order_targets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=True),
        sa.Column("locator", sa.Text(), nullable=False),
        sa.Column("found_by", sa.String(length=16), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("disabled_at", UTCDateTime(), nullable=True),
        sa.Column("reinstated_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["removal_orders.id"],
            name=op.f("fk_removal_order_targets_order_id_removal_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removal_order_targets")),
    )
    with op.batch_alter_table("removal_order_targets") as batch:
        batch.create_index(batch.f("ix_removal_order_targets_order_id"), ["order_id"], unique=False)
        batch.create_index("ix_removal_order_targets_item", ["platform", "item_id"], unique=False)
    op.create_table(
        "removal_order_clock",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["removal_orders.id"],
            name=op.f("fk_removal_order_clock_order_id_removal_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removal_order_clock")),
    )
    with op.batch_alter_table("removal_order_clock") as batch:
        batch.create_index(batch.f("ix_removal_order_clock_order_id"), ["order_id"], unique=False)
    op.create_table(
        "preservation_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("material", JSONType, nullable=False),
        sa.Column("media_sha256", sa.String(length=64), nullable=True),
        sa.Column("held_at", UTCDateTime(), nullable=False),
        sa.Column("keep_until", UTCDateTime(), nullable=False),
        sa.Column("purged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["removal_orders.id"], name=op.f("fk_preservation_holds_order_id_removal_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preservation_holds")),
    )
    with op.batch_alter_table("preservation_holds") as batch:
        batch.create_index("ix_preservation_holds_item", ["platform", "item_id"], unique=False)
        batch.create_index(batch.f("ix_preservation_holds_keep_until"), ["keep_until"], unique=False)


def downgrade() -> None:
    op.drop_table("preservation_holds")
    op.drop_table("removal_order_clock")
    op.drop_table("removal_order_targets")
    op.drop_table("removal_orders")
    op.drop_table("authorities")
