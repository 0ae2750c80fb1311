"""Moderators (the review tests' own) and helpers that put decided items on an actor's record."""

from __future__ import annotations

from datetime import datetime

from bastion.core import Category, Item
from bastion.review.cases import Decision, claim, decide
from bastion.service import Service
from bastion.store.models.review import UserRow
from tests.review.conftest import users as users

_FLAGGED = "Join the Crimson Dawn Brigade today"  # fictional: the demo term list flags it


def removed_post(
    service: Service,
    moderator: UserRow,
    item_id: str,
    author: str,
    when: datetime,
    category: Category = Category.GLORIFICATION,
    container: dict[str, str] | None = None,
    **kwargs: object,
) -> int:
    """Check a flagged fictional post by `author` and have `moderator` remove it at `when`; its case id."""
    metadata = {"container": container} if container else {}
    service.check([Item(id=item_id, text=_FLAGGED, author=author, metadata=metadata)])
    with service.db.transaction() as tx:
        case = tx.cases.for_item("local", item_id)
        assert case is not None
        claim(tx, case.id, moderator, when)
        decide(tx, case.id, moderator, Decision.REMOVE, when, category, **kwargs)  # type: ignore[arg-type]
        return case.id
