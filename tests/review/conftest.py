"""Moderators of every role, and flagged (or automatically removed) items waiting in the queue."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable

import pytest

from bastion.banks.entries import NewEntry, add_entries, create_bank
from bastion.core import Bank, Item, Kind, Media
from bastion.demo import demo_poster
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.review import UserRow

PASSWORD = "fictional-password-1"
FICTIONAL_BANK = "fictional-posters"


@pytest.fixture
def users(db: Database) -> dict[str, UserRow]:
    made = {}
    with db.transaction() as tx:
        for name, role in [
            ("ada", Role.MODERATOR),
            ("bo", Role.MODERATOR),
            ("cy", Role.SENIOR_MODERATOR),
            ("lee", Role.LEGAL),
            ("aud", Role.AUDITOR),
            ("root", Role.ADMIN),
        ]:
            made[name] = create_user(tx, name, PASSWORD, role, "test")
    return made


@pytest.fixture
def flagged_case(service: Service, db: Database) -> Callable[[str], int]:
    """Check a fictional recruitment post and return the id of the case it opens."""

    def make(item_id: str = "post-1", author: str = "acct-1") -> int:
        service.check([Item(id=item_id, text="Join the Crimson Dawn Brigade today", author=author)])
        with db.snapshot() as tx:
            case = tx.cases.for_item("local", item_id)
        assert case is not None
        return case.id

    return make


@pytest.fixture
def removed_case(service: Service) -> Callable[[str], int]:
    """Check a fictional poster whose exact bytes are in a bank (so it is removed at once); its case id."""

    def make(item_id: str = "img-1") -> int:
        return check_banked_poster(service, item_id)

    return make


def check_banked_poster(service: Service, item_id: str) -> int:
    """Bank a fictional poster's exact bytes (once), check the same bytes as an item; the case it opens."""
    buffer = io.BytesIO()
    demo_poster(3).save(buffer, "PNG")
    png = buffer.getvalue()
    with service.db.transaction() as tx:
        if tx.banks.named(FICTIONAL_BANK) is None:
            create_bank(tx, Bank(name=FICTIONAL_BANK), "test")
            entry = NewEntry("sha256", hashlib.sha256(png).hexdigest(), ["branded terrorist content"], "test")
            add_entries(tx, FICTIONAL_BANK, [entry], "test")
    media = Media(base64=base64.b64encode(png).decode(), content_type="image/png")
    service.check([Item(id=item_id, kind=Kind.IMAGE, media=media)])
    with service.db.snapshot() as tx:
        case = tx.cases.for_item("local", item_id)
    assert case is not None
    return case.id
