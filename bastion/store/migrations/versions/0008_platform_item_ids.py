"""Item ids are unique per platform: an item is the pair (platform, id); bank names are unique per owner

Before, `items.id` alone was the key, so a second platform checking an id the
first had sent overwrote the first platform's item and verdict while its case
stayed open. Now:

- items are keyed by (platform, id); an item without a platform (only very old
  rows) gets `local`, the platform `bastion scan` and `Service.check` record
  when none is named;
- verdicts, cases, decisions, appeals, the action outbox and bank matches gain
  `platform`, filled from their item (decisions and appeals from their case);
  verdicts are keyed, and cases unique, per (platform, item id), and both refer
  to their item by the pair; reports already name the platform that filed them,
  which is the platform whose item they report;
- a bank name is unique within its owner (a platform, or the installation), so
  a platform naming a bank like another platform's is no longer refused.

There is no way back: once two platforms hold the same id, global ids cannot
be restored without dropping one of them.

On SQLite the key changes rebuild tables that others refer to with ON DELETE
CASCADE; `Database.migrate` runs migrations with foreign keys off, as SQLite
asks for table rebuilds, so rebuilding a table never deletes the rows that
refer to it.

Revision ID: 0008_platform_item_ids
Revises: 0007_bank_owners
Create Date: 2026-12-06 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_platform_item_ids"
down_revision = "0007_bank_owners"
branch_labels = None
depends_on = None

UNNAMED_PLATFORM = "local"
_PLATFORM = sa.String(length=128)
_ITEM_TABLES = ("verdicts", "cases", "action_outbox", "bank_matches")  # platform from their item
_CASE_TABLES = ("decisions", "appeals")  # platform from their case


def upgrade() -> None:
    _release_item_keys()
    _fill_platforms()
    _key_items_per_platform()
    _index_per_platform()
    _name_banks_per_owner()


def downgrade() -> None:
    raise NotImplementedError("item ids per platform cannot be made global again: two platforms may share an id")


def _release_item_keys() -> None:
    """Verdicts and cases stop referring to `items.id` alone; every table naming an item gains `platform`."""
    with op.batch_alter_table("verdicts") as batch:
        batch.drop_constraint("fk_verdicts_item_id_items", type_="foreignkey")
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("fk_cases_item_id_items", type_="foreignkey")
        batch.drop_constraint("uq_cases_item_id", type_="unique")
    for table in _ITEM_TABLES + _CASE_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("platform", _PLATFORM, nullable=True))


def _fill_platforms() -> None:
    op.execute(sa.text("UPDATE items SET platform = :p WHERE platform IS NULL").bindparams(p=UNNAMED_PLATFORM))
    for table in _ITEM_TABLES:
        owner = f"(SELECT items.platform FROM items WHERE items.id = {table}.item_id)"
        op.execute(sa.text(f"UPDATE {table} SET platform = COALESCE({owner}, :p)").bindparams(p=UNNAMED_PLATFORM))
    for table in _CASE_TABLES:
        owner = f"(SELECT cases.platform FROM cases WHERE cases.id = {table}.case_id)"
        op.execute(sa.text(f"UPDATE {table} SET platform = COALESCE({owner}, :p)").bindparams(p=UNNAMED_PLATFORM))
    for table in ("items", *_ITEM_TABLES, *_CASE_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("platform", existing_type=_PLATFORM, nullable=False)


def _key_items_per_platform() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("pk_items", type_="primary")
        batch.create_primary_key("pk_items", ["platform", "id"])
    with op.batch_alter_table("verdicts") as batch:
        batch.drop_constraint("pk_verdicts", type_="primary")
        batch.create_primary_key("pk_verdicts", ["platform", "item_id"])
        batch.create_foreign_key(
            "fk_verdicts_platform_items", "items", ["platform", "item_id"], ["platform", "id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("cases") as batch:
        batch.create_unique_constraint("uq_cases_platform_item", ["platform", "item_id"])
        batch.create_foreign_key(
            "fk_cases_platform_items", "items", ["platform", "item_id"], ["platform", "id"], ondelete="CASCADE"
        )


def _index_per_platform() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index("ix_decisions_item_id")
        batch.create_index("ix_decisions_platform_item", ["platform", "item_id"], unique=False)
    with op.batch_alter_table("reports") as batch:
        batch.drop_index("ix_reports_item_id")
        batch.create_index("ix_reports_platform_item", ["platform", "item_id"], unique=False)
    with op.batch_alter_table("bank_matches") as batch:
        batch.drop_constraint("uq_bank_matches_pair", type_="unique")
        batch.create_unique_constraint("uq_bank_matches_pair", ["entry_id", "platform", "item_id"])
        batch.drop_index("ix_bank_matches_item_id")
        batch.create_index("ix_bank_matches_platform_item", ["platform", "item_id"], unique=False)


def _name_banks_per_owner() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.drop_constraint("uq_banks_name", type_="unique")
        batch.create_unique_constraint("uq_banks_owner_name", ["owner", "name"])
    # NULLs are distinct in a unique constraint, so installation banks get a partial unique index of their own.
    op.create_index(
        "uq_banks_installation_name",
        "banks",
        ["name"],
        unique=True,
        sqlite_where=sa.text("owner IS NULL"),
        postgresql_where=sa.text("owner IS NULL"),
    )
