"""Hash banks belong to platforms: `banks.owner`, and banks shared with other platforms (subscriptions)

A bank with an owner applies only to that platform and to the platforms it is
shared with (read-only to them); a bank without one (NULL) is an installation
bank, made by an operator with `bastion banks`, applying to every platform and
read-only to platform keys.

Every existing bank becomes an installation bank, which keeps today's behaviour
for banks made with the CLI. Banks a platform created earlier over the API
cannot be told apart from those (`created_by` names the key's platform, but an
operator may have made banks in its name): they become installation banks too.
Operators can review them with `bastion banks list` and disable or share them.

Revision ID: 0007_bank_owners
Revises: 0006_sessions_and_logins
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import UTCDateTime

revision = "0007_bank_owners"
down_revision = "0006_sessions_and_logins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=128), nullable=True))
        batch.create_index(batch.f("ix_banks_owner"), ["owner"], unique=False)
    op.create_table(
        "bank_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=128), nullable=False),
        sa.Column("granted_by", sa.String(length=128), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name=op.f("fk_bank_subscriptions_bank_id_banks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_subscriptions")),
        sa.UniqueConstraint("bank_id", "platform", name="uq_bank_subscriptions_pair"),
    )
    with op.batch_alter_table("bank_subscriptions") as batch:
        batch.create_index(batch.f("ix_bank_subscriptions_bank_id"), ["bank_id"], unique=False)


def downgrade() -> None:
    op.drop_table("bank_subscriptions")
    with op.batch_alter_table("banks") as batch:
        batch.drop_index(batch.f("ix_banks_owner"))
        batch.drop_column("owner")
