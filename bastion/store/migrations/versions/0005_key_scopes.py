"""API keys carry scopes; every key from before may do everything, as it could

Revision ID: 0005_key_scopes
Revises: 0004_retro_pending
Create Date: 2026-12-06 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_key_scopes"
down_revision = "0004_retro_pending"
branch_labels = None
depends_on = None

# Every scope that exists at this revision (space-separated, as the column
# stores them): before it, any key could call every endpoint.
_EVERY_SCOPE = "admin appeal banks:read banks:write check report"


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("scopes", sa.String(256), nullable=True))
    op.execute(sa.text("UPDATE api_keys SET scopes = :scopes").bindparams(scopes=_EVERY_SCOPE))
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("scopes", existing_type=sa.String(256), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("scopes")
