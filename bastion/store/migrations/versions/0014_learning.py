"""The learning loop: judge answers, text models in shadow and live, shadow verdicts, blind samples;
decisions record the TVEC policy version they applied

New tables name their item by (platform, item_id) without a foreign key to
`items`. `decisions.policy_version` is NULL for decisions made before it was
recorded: their label is exported under no policy version.

Revision ID: 0014_learning
Revises: 0007_bank_owners
Create Date: 2026-12-06 18:00:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import JSONType, UTCDateTime

revision = "0014_learning"
down_revision = "0007_bank_owners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("policy_version", sa.String(length=64), nullable=True))
    op.create_table(
        "judge_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("judge_model", sa.String(length=128), nullable=False),
        sa.Column("answer", JSONType, nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_answers")),
        sa.UniqueConstraint("digest", "policy_version", "judge_model", name="uq_judge_answers_key"),
    )
    op.create_table(
        "text_models",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("replaced", sa.String(length=64), nullable=True),
        sa.Column("card", JSONType, nullable=False),
        sa.Column("registered_by", sa.String(length=128), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("shadow_since", UTCDateTime(), nullable=True),
        sa.Column("promoted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_text_models")),
    )
    op.create_index(op.f("ix_text_models_state"), "text_models", ["state"], unique=False)
    op.create_table(
        "shadow_verdicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("is_tvec", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_verdicts")),
        sa.UniqueConstraint("platform", "item_id", "model_version", name="uq_shadow_verdicts_item"),
    )
    op.create_index(op.f("ix_shadow_verdicts_model_version"), "shadow_verdicts", ["model_version"], unique=False)
    op.create_index(op.f("ix_shadow_verdicts_checked_at"), "shadow_verdicts", ["checked_at"], unique=False)
    op.create_table(
        "blind_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("sampled_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blind_samples")),
        sa.UniqueConstraint("platform", "item_id", name="uq_blind_samples_item"),
    )
    op.create_index(op.f("ix_blind_samples_case_id"), "blind_samples", ["case_id"], unique=False)
    op.create_index(op.f("ix_blind_samples_sampled_at"), "blind_samples", ["sampled_at"], unique=False)


def downgrade() -> None:
    op.drop_table("blind_samples")
    op.drop_table("shadow_verdicts")
    op.drop_table("text_models")
    op.drop_table("judge_answers")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("policy_version")
