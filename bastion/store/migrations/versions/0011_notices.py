"""DSA notices (Art 16) and notifiers with trusted-flagger status (Art 22); threats to life and their referrals
(TCO Art 14(5), DSA Art 18)

New tables only. Notices and threats name their item by (platform, item_id)
without a foreign key to `items` (whose key 0008 changes); they refer to the
case the notice joined or the threat was marked on.

Revision ID: 0011_notices
Revises: 0007_bank_owners
Create Date: 2026-12-06 17:30:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import JSONType, UTCDateTime

revision = "0011_notices"
down_revision = "0007_bank_owners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifiers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("awarded_by", sa.String(length=2), nullable=True),
        sa.Column("expertise", sa.String(length=200), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifiers")),
        sa.UniqueConstraint("email", name=op.f("uq_notifiers_email")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_notifiers_code_hash")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("receipt", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("notice_type", sa.String(length=32), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("notifier_name", sa.String(length=200), nullable=True),
        sa.Column("notifier_email", sa.String(length=320), nullable=True),
        sa.Column("notifier_id", sa.Integer(), nullable=True),
        sa.Column("trusted_flagger", sa.Boolean(), nullable=False),
        sa.Column("good_faith", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["notifier_id"], ["notifiers.id"], name=op.f("fk_notices_notifier_id_notifiers")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_notices_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_notices_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("receipt", name=op.f("uq_notices_receipt")),
    )
    with op.batch_alter_table("notices") as batch:
        batch.create_index("ix_notices_platform_item", ["platform", "item_id"], unique=False)
        batch.create_index("ix_notices_address_received", ["address", "received_at"], unique=False)
        batch.create_index(batch.f("ix_notices_notice_type"), ["notice_type"], unique=False)
        batch.create_index(batch.f("ix_notices_received_at"), ["received_at"], unique=False)
        batch.create_index(batch.f("ix_notices_case_id"), ["case_id"], unique=False)
    op.create_table(
        "threats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("item_id", sa.String(length=256), nullable=False),
        sa.Column("countries", JSONType, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(length=64), nullable=False),
        sa.Column("marked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_threats_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threats")),
        sa.UniqueConstraint("case_id", name=op.f("uq_threats_case_id")),
    )
    with op.batch_alter_table("threats") as batch:
        batch.create_index(batch.f("ix_threats_marked_at"), ["marked_at"], unique=False)
    op.create_table(
        "threat_referrals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("threat_id", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("referred_by", sa.String(length=64), nullable=False),
        sa.Column("referred_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["threat_id"], ["threats.id"], name=op.f("fk_threat_referrals_threat_id_threats"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threat_referrals")),
    )
    with op.batch_alter_table("threat_referrals") as batch:
        batch.create_index(batch.f("ix_threat_referrals_threat_id"), ["threat_id"], unique=False)
        batch.create_index(batch.f("ix_threat_referrals_referred_at"), ["referred_at"], unique=False)


def downgrade() -> None:
    op.drop_table("threat_referrals")
    op.drop_table("threats")
    op.drop_table("notices")
    op.drop_table("notifiers")
