"""Sessions can be ended on the server (a generation per user), and failed logins are kept for lockouts

Revision ID: 0006_sessions_and_logins
Revises: 0005_key_scopes
Create Date: 2026-12-06 08:30:00
"""

import sqlalchemy as sa
from alembic import op

from bastion.store.base import UTCDateTime

revision = "0006_sessions_and_logins"
down_revision = "0005_key_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("locks", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures") as batch:
        batch.create_index(batch.f("ix_login_failures_username"), ["username"], unique=False)
        batch.create_index(batch.f("ix_login_failures_address"), ["address"], unique=False)
        batch.create_index(batch.f("ix_login_failures_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
