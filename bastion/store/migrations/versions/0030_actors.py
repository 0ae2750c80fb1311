"""Actors: accounts and containers, their profile snapshots, posts, marks, cases, strikes, respawn bank and links

New tables only. An actor is (platform, kind, external_id); every other table
refers to it by its surrogate id.

Revision ID: 0030_actors
Revises: 0015_one_head
Create Date: 2026-12-06 18:20:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import JSONType, UTCDateTime

revision = "0030_actors"
down_revision = "0015_one_head"
branch_labels = None
depends_on = None


def _actor_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["actors.id"], name=op.f(f"fk_{table}_{column}_actors"), ondelete="CASCADE"
    )


def _case_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["cases.id"], name=op.f(f"fk_{table}_{column}_cases"), ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=False),
        sa.Column("surface", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("handle", sa.String(length=256), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("avatar_pdq", sa.String(length=64), nullable=True),
        sa.Column("banner_pdq", sa.String(length=64), nullable=True),
        sa.Column("account_created_at", UTCDateTime(), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
        sa.UniqueConstraint("platform", "kind", "external_id", name="uq_actors_platform_kind_id"),
    )
    op.create_table(
        "actor_profiles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("handle", sa.String(length=256), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("avatar_pdq", sa.String(length=64), nullable=True),
        sa.Column("banner_pdq", sa.String(length=64), nullable=True),
        _actor_fk("actor_id", "actor_profiles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_profiles")),
    )
    op.create_index(op.f("ix_actor_profiles_actor_id"), "actor_profiles", ["actor_id"])
    op.create_table(
        "actor_posts",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("posted_at", UTCDateTime(), nullable=False),
        _actor_fk("actor_id", "actor_posts"),
        sa.PrimaryKeyConstraint("actor_id", "platform", "item_id", name=op.f("pk_actor_posts")),
    )
    op.create_index("ix_actor_posts_item", "actor_posts", ["platform", "item_id"])
    op.create_table(
        "posted_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.Column("posted_at", UTCDateTime(), nullable=False),
        _actor_fk("actor_id", "posted_marks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_marks")),
        sa.UniqueConstraint("platform", "item_id", "kind", "value", name="uq_posted_marks_item_value"),
    )
    op.create_index("ix_posted_marks_value", "posted_marks", ["kind", "value"])
    op.create_index(op.f("ix_posted_marks_actor_id"), "posted_marks", ["actor_id"])
    op.create_table(
        "actor_cases",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("evidence", JSONType, nullable=False),
        sa.Column("linked_case_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        _case_fk("case_id", "actor_cases"),
        _actor_fk("actor_id", "actor_cases"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_actor_cases")),
    )
    op.create_index(op.f("ix_actor_cases_actor_id"), "actor_cases", ["actor_id"])
    op.create_table(
        "strikes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("struck_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        _actor_fk("actor_id", "strikes"),
        _case_fk("case_id", "strikes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strikes")),
    )
    op.create_index(op.f("ix_strikes_actor_id"), "strikes", ["actor_id"])
    op.create_index(op.f("ix_strikes_case_id"), "strikes", ["case_id"])
    op.create_table(
        "respawn_bank",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("profile", JSONType, nullable=False),
        sa.Column("marks", JSONType, nullable=False),
        sa.Column("banked_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        _actor_fk("actor_id", "respawn_bank"),
        _case_fk("case_id", "respawn_bank"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respawn_bank")),
    )
    op.create_index(op.f("ix_respawn_bank_actor_id"), "respawn_bank", ["actor_id"])
    op.create_table(
        "actor_links",
        sa.Column("actor_a", sa.Integer(), nullable=False),
        sa.Column("actor_b", sa.Integer(), nullable=False),
        sa.Column("shared", JSONType, nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        _actor_fk("actor_a", "actor_links"),
        _actor_fk("actor_b", "actor_links"),
        sa.PrimaryKeyConstraint("actor_a", "actor_b", name=op.f("pk_actor_links")),
    )
    op.create_index(op.f("ix_actor_links_actor_b"), "actor_links", ["actor_b"])


def downgrade() -> None:
    for table in (
        "actor_links",
        "respawn_bank",
        "strikes",
        "actor_cases",
        "posted_marks",
        "actor_posts",
        "actor_profiles",
        "actors",
    ):
        op.drop_table(table)
