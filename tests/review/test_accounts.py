"""Account changes nobody should be able to make by mistake, and one readable name per role."""

from __future__ import annotations

import pytest

from bastion.review.accounts import AccountError, Role, role_label, set_active
from bastion.store.db import Database
from bastion.store.models.review import UserRow


def test_an_admin_cannot_disable_their_own_account(db: Database, users: dict[str, UserRow]) -> None:
    with db.transaction() as tx, pytest.raises(AccountError, match="cannot disable your own account"):
        set_active(tx, "root", False, "user:root")
    with db.transaction() as tx:
        set_active(tx, "ada", False, "user:root")
    with db.snapshot() as tx:
        assert tx.users.active("root") is not None and tx.users.active("ada") is None


def test_the_last_active_admin_stays(db: Database, users: dict[str, UserRow]) -> None:
    with db.transaction() as tx, pytest.raises(AccountError, match="last active admin"):
        set_active(tx, "root", False, "cli")


def test_each_role_has_one_readable_name() -> None:
    assert [role_label(r.value) for r in Role] == [r.label for r in Role]
    assert Role.SENIOR_MODERATOR.label == "senior moderator"
    assert role_label("retired_role") == "retired_role"  # a role this version does not know, as stored
