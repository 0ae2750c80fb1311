"""Decisions beyond remove: escalation to seniors, geo-restriction, and adding a hash-matched item to a bank."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bastion.banks.entries import create_bank
from bastion.core import Bank, Category, Item, Kind, Media, utcnow
from bastion.demo import demo_poster
from bastion.review.cases import Decision, ReviewError, claim, decide
from bastion.review.queue import QueueFilter, queue
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.banks import BankEntryRow
from bastion.store.models.core import AuditRow
from bastion.store.models.review import OutboxRow, UserRow

_actions = select(OutboxRow.action).where(OutboxRow.action != "statement_of_reasons")  # what the item undergoes


def test_an_escalation_to_seniors_leaves_moderators_queues(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.ESCALATE_SENIOR, utcnow(), note="unsure: satire?")
    with db.transaction() as tx:
        assert queue(tx, users["bo"], QueueFilter(), utcnow()) == []
        assert [e.case.id for e in queue(tx, users["cy"], QueueFilter(), utcnow())] == [case_id]
        claim(tx, case_id, users["cy"], utcnow())
        decide(tx, case_id, users["cy"], Decision.LABEL, utcnow(), Category.GLORIFICATION)
    with db.snapshot() as tx:
        assert tx.cases.get(case_id).state == "decided"
        assert tx.session.scalars(_actions).all() == ["label"]  # escalating carries out nothing


def test_a_restriction_names_real_country_codes(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        with pytest.raises(ReviewError, match="countries to block"):
            decide(tx, case_id, users["ada"], Decision.RESTRICT, utcnow(), Category.PROPAGANDA)
        with pytest.raises(ReviewError, match="ISO 3166-1"):
            decide(tx, case_id, users["ada"], Decision.RESTRICT, utcnow(), Category.PROPAGANDA, countries=["GER"])
        decide(tx, case_id, users["ada"], Decision.RESTRICT, utcnow(), Category.PROPAGANDA, countries=["DE", "AT"])
    with db.snapshot() as tx:
        outbox = tx.session.scalars(select(OutboxRow).where(OutboxRow.action != "statement_of_reasons")).one()
    assert (outbox.action, outbox.payload["countries"]) == ("restrict", ["DE", "AT"])


def test_a_removal_adds_the_item_to_a_bank_in_one_step(
    db: Database, service: Service, users: dict[str, UserRow]
) -> None:
    poster = io.BytesIO()
    demo_poster(9).save(poster, "PNG")
    service.check(
        [
            Item(
                id="img-9",
                kind=Kind.IMAGE,
                text="Glory to the crimson martyrs",
                media=Media(base64=base64.b64encode(poster.getvalue()).decode(), content_type="image/png"),
            )
        ]
    )
    with db.transaction() as tx:
        create_bank(tx, Bank(name="reviewed-posters"), "test")
        case_id = tx.cases.for_item("local", "img-9").id
        claim(tx, case_id, users["ada"], utcnow())
        decide(
            tx,
            case_id,
            users["ada"],
            Decision.REMOVE,
            utcnow(),
            Category.PROPAGANDA,
            add_to_bank="reviewed-posters",
        )
    with db.snapshot() as tx:
        entries = tx.session.scalars(select(BankEntryRow)).all()
        audited = tx.session.scalars(select(AuditRow.action)).all()
    assert {e.kind for e in entries} >= {"pdq", "sha256"}
    assert all(e.source == "review:local/img-9" and e.labels == ["propaganda"] for e in entries)
    assert "case.decide.remove" in audited
