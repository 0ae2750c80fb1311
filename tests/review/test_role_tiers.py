"""Roles enforced on the object, not just the page: appeals are decided at the tier of the decision they contest
or higher, and nobody adds a case's item to an allow bank (or banks an item they did not act on)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bastion.banks.entries import create_bank
from bastion.core import Bank, Category, Item, Kind, Media, utcnow
from bastion.demo import demo_poster
from bastion.review.cases import AppealOutcome, Decision, ReviewError, claim, decide, decide_appeal, file_appeal
from bastion.review.queue import QueueFilter, queue
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.banks import BankEntryRow
from bastion.store.models.review import OutboxRow, UserRow


def _decided_and_appealed(db: Database, users: dict[str, UserRow], case_id: int, escalate: str | None, by: str) -> None:
    """`by` removes the item (after `escalate`-ing it there, if given); its author appeals."""
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        if escalate:
            decide(tx, case_id, users["ada"], Decision(escalate), utcnow())
            claim(tx, case_id, users[by], utcnow())
        elif by != "ada":
            tx.cases.get(case_id).assignee = by  # a senior or legal officer took an ordinary case
        decide(tx, case_id, users[by], Decision.REMOVE, utcnow(), Category.RECRUITMENT)
    with db.transaction() as tx:
        file_appeal(tx, "local", "post-1", "acct-1", "a fictional appeal", utcnow())


def _queued_for(db: Database, user: UserRow) -> list[int]:
    with db.snapshot() as tx:
        return [entry.case.id for entry in queue(tx, user, QueueFilter(), utcnow())]


@pytest.mark.parametrize(
    ("escalate", "by", "refused", "allowed"),
    [
        ("escalate_legal", "lee", ["bo", "cy"], ["root"]),  # a legal officer's: legal (another one) decides
        ("escalate_senior", "cy", ["bo"], ["lee", "root"]),  # a senior's decision: seniors or legal
        (None, "cy", ["bo"], ["lee"]),  # a senior deciding an ordinary case is still a senior's decision
        (None, "root", ["bo", "cy"], ["lee"]),  # an admin holds every permission: legal's tier
    ],
)
def test_an_appeal_is_decided_at_the_tier_of_the_decision_or_higher(
    db: Database,
    users: dict[str, UserRow],
    flagged_case: Callable[..., int],
    escalate: str | None,
    by: str,
    refused: list[str],
    allowed: list[str],
) -> None:
    case_id = flagged_case()
    _decided_and_appealed(db, users, case_id, escalate, by)

    for name in refused:
        assert case_id not in _queued_for(db, users[name]), name
        with db.transaction() as tx, pytest.raises(ReviewError, match="your role cannot work this case") as error:
            claim(tx, case_id, users[name], utcnow())
        assert error.value.status == 403
    for name in allowed:
        assert case_id in _queued_for(db, users[name]), name
    with db.transaction() as tx:
        claim(tx, case_id, users[allowed[0]], utcnow())
        decide_appeal(tx, case_id, users[allowed[0]], AppealOutcome.UPHOLD, utcnow())
    with db.snapshot() as tx:
        assert tx.cases.get(case_id).state == "redecided"


def test_a_plain_moderator_holding_the_claim_still_cannot_reverse_a_legal_decision(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    _decided_and_appealed(db, users, case_id, "escalate_legal", "lee")
    with db.transaction() as tx:
        tx.cases.get(case_id).assignee = "bo"  # a claim taken before the tier was known, or forged

    with db.transaction() as tx, pytest.raises(ReviewError, match="needs the role admin, legal") as error:
        decide_appeal(tx, case_id, users["bo"], AppealOutcome.REVERSE, utcnow())

    assert error.value.status == 403
    with db.snapshot() as tx:
        assert tx.cases.get(case_id).state == "appealed"
        assert "restore" not in tx.session.scalars(select(OutboxRow.action)).all()


def test_an_appeal_against_a_moderator_still_goes_to_any_other_moderator(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    _decided_and_appealed(db, users, case_id, None, "ada")

    assert case_id in _queued_for(db, users["bo"])
    with db.transaction() as tx:
        claim(tx, case_id, users["bo"], utcnow())
        decide_appeal(tx, case_id, users["bo"], AppealOutcome.REVERSE, utcnow())


@pytest.fixture
def poster_case(service: Service, db: Database) -> int:
    """A fictional poster waiting for review, an allow bank and a blocking bank to add it to."""
    poster = io.BytesIO()
    demo_poster(9).save(poster, "PNG")
    media = Media(base64=base64.b64encode(poster.getvalue()).decode(), content_type="image/png")
    service.check([Item(id="img-9", kind=Kind.IMAGE, text="Glory to the crimson martyrs", media=media)])
    with db.transaction() as tx:
        create_bank(tx, Bank(name="cleared-art", benign=True), "test")
        create_bank(tx, Bank(name="reviewed-posters"), "test")
        return tx.cases.for_item("local", "img-9").id


@pytest.mark.parametrize("who", ["ada", "cy", "root"])
def test_nobody_adds_a_case_to_an_allow_bank(
    db: Database, users: dict[str, UserRow], poster_case: int, who: str
) -> None:
    with db.transaction() as tx:
        claim(tx, poster_case, users[who], utcnow())
    for decision, category in [(Decision.NO_VIOLATION, None), (Decision.REMOVE, Category.PROPAGANDA)]:
        with db.transaction() as tx, pytest.raises(ReviewError, match="allow bank") as error:
            decide(tx, poster_case, users[who], decision, utcnow(), category, add_to_bank="cleared-art")
        assert error.value.status == 403

    with db.snapshot() as tx:
        assert tx.session.scalars(select(BankEntryRow)).all() == []
        assert tx.cases.get(poster_case).state == "assigned"  # refused before anything changed


@pytest.mark.parametrize(
    ("decision", "bank", "says"),
    [
        (Decision.NO_VIOLATION, "reviewed-posters", "remove, restrict or label"),
        (Decision.ESCALATE_SENIOR, "reviewed-posters", "remove, restrict or label"),
        (Decision.REMOVE, "no-such-bank", "no bank named"),
    ],
)
def test_only_an_actioned_item_goes_into_an_existing_blocking_bank(
    db: Database, users: dict[str, UserRow], poster_case: int, decision: Decision, bank: str, says: str
) -> None:
    category = Category.PROPAGANDA if decision is Decision.REMOVE else None
    with db.transaction() as tx:
        claim(tx, poster_case, users["ada"], utcnow())
    with db.transaction() as tx, pytest.raises(ReviewError, match=says):
        decide(tx, poster_case, users["ada"], decision, utcnow(), category, add_to_bank=bank)
    with db.transaction() as tx:
        decide(
            tx,
            poster_case,
            users["ada"],
            Decision.REMOVE,
            utcnow(),
            Category.PROPAGANDA,
            add_to_bank="reviewed-posters",
        )
    with db.snapshot() as tx:
        assert {entry.source for entry in tx.session.scalars(select(BankEntryRow))} == {"review:local/img-9"}
