"""Moderators of every role, and flagged items waiting in the queue."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bastion.core import Item
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.core import CaseRow
from bastion.store.models.review import UserRow

PASSWORD = "fictional-password-1"


@pytest.fixture
def users(db: Database) -> dict[str, UserRow]:
    made = {}
    with db.session() as session:
        for name, role in [
            ("ada", Role.MODERATOR),
            ("bo", Role.MODERATOR),
            ("cy", Role.SENIOR_MODERATOR),
            ("lee", Role.LEGAL),
            ("aud", Role.AUDITOR),
            ("root", Role.ADMIN),
        ]:
            made[name] = create_user(session, name, PASSWORD, role, "test")
    return made


@pytest.fixture
def flagged_case(service: Service, db: Database) -> Callable[[str], int]:
    """Check a fictional recruitment post and return the id of the case it opens."""

    def make(item_id: str = "post-1", author: str = "acct-1") -> int:
        service.check(Item(id=item_id, text="Join the Crimson Dawn Brigade today", author=author))
        with db.reader() as session:
            return session.scalars(select(CaseRow.id).where(CaseRow.item_id == item_id)).one()

    return make
