"""A day of fictional traffic the learning tests share: checked, sampled blind, and decided by a moderator."""

from __future__ import annotations

from bastion.core import Category, Item, utcnow
from bastion.learning.labels import policy_version_in_force
from bastion.review.cases import Decision, claim, decide
from bastion.service import Service
from bastion.store.models.review import UserRow

PLACES = ["the harbour", "the old market", "the north valley"]


def check_and_decide(service: Service, moderator: UserRow, prefix: str) -> None:
    """Recruitment posts (the model flags them) removed; weather posts (allowed, every one sampled blind when the
    rate is 1) found fine, but for one the moderator removes as a threat: the model missed it."""
    items = [
        Item(id=f"{prefix}-join-{n}", text=f"join the crimson dawn brigade today brothers, {place}")
        for n, place in enumerate(PLACES)
    ]
    items += [
        Item(id=f"{prefix}-weather-{n}", text=f"the weather is lovely in {place} today")
        for n, place in enumerate(PLACES)
    ]
    service.check(items)
    policy = policy_version_in_force(service.settings)
    with service.db.transaction() as tx:
        for item in items:
            case = tx.cases.for_item("local", item.id)
            assert case is not None, f"{item.id} reached review (flagged or sampled)"
            claim(tx, case.id, moderator, utcnow())
            if "join" in item.id or item.id.endswith("weather-0"):
                category = Category.RECRUITMENT if "join" in item.id else Category.THREAT
                decide(tx, case.id, moderator, Decision.REMOVE, utcnow(), category, policy_version=policy)
            else:
                decide(tx, case.id, moderator, Decision.NO_VIOLATION, utcnow(), policy_version=policy)
