"""Migrations written side by side meet again: the history has one head."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from bastion.store.db import alembic_config


def test_the_migration_history_has_one_head() -> None:
    """Two heads mean two people wrote the next revision at once; a merge revision joins them."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a merge revision that revises all of them"
