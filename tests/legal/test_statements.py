"""Statements of reasons (DSA Art 17) written with every restriction: a moderator's decision in the web UI, a
removal order's disablement and a rule's automatic removal; each told to the uploader through the action outbox
(`statement_of_reasons`), unless an order's non-disclosure decision holds it (TCO Art 11(3)) until it lapses."""

from __future__ import annotations

import json

from sqlalchemy import select

from bastion.legal.reasons import without_identifiers
from bastion.legal.sor_validator import validate
from bastion.store.models.core import AuditRow
from tests.legal.orders_support import (
    PLATFORM,
    RECEIVED,
    Legal,
    an_order,
    bank_poster,
    check_poster,
    legal,
    minutes,
)
from tests.legal.statements_support import case_of, check_text, statements, told, web_decide

__all__ = ["legal"]


def _audit(legal: Legal, action: str) -> list[AuditRow]:
    with legal.db.snapshot() as tx:
        return list(tx.session.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)))


def test_a_moderators_removal_gets_a_statement_with_the_facts_of_article_17_3(legal: Legal) -> None:
    check_text(legal, "post-1")

    web_decide(legal, "moderator", case_of(legal, "post-1"), "remove", category="recruitment")

    [statement] = statements(legal, "post-1")
    record = statement.record
    assert validate(record) == []
    assert (statement.basis, statement.path, statement.restriction) == ("review", "human_on_automated_flag", "remove")
    assert statement.decision_id is not None and statement.category == "recruitment"
    # (c) detected by automated means, decided by a person; (b) the facts name the detector and the rule
    assert (record["automated_detection"], record["automated_decision"]) == ("Yes", "AUTOMATED_DECISION_NOT_AUTOMATED")
    assert "the review team examined this content after automated detection (termlist)" in record["decision_facts"]
    assert record["source_type"] == "SOURCE_VOLUNTARY"
    assert record["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert record["content_date"] == "2026-02-27" and record["content_language"] == "EN"
    public = json.dumps(record)
    for private in ("post-1", "acct-77", PLATFORM, '"moderator', "Crimson Dawn"):  # Art 24(5): no personal data
        assert private not in public
    [sent] = told(legal, "post-1")  # the uploader is told through the platform's webhook
    assert sent["statement"] == statement.id and sent["decision"] == "Your content was removed."
    assert sent["facts"] == statement.facts and "complain" in sent["redress"] and "Art 21" in sent["redress"]
    assert sent["automated_detection"] is True
    assert [a.payload["statement"] for a in _audit(legal, "statement.record")] == [statement.id]


def test_a_geo_restriction_names_its_countries_and_an_escalation_names_nothing(legal: Legal) -> None:
    check_text(legal, "post-2")
    check_text(legal, "post-3")

    web_decide(legal, "moderator", case_of(legal, "post-2"), "restrict", category="glorification", countries="DE, AT")
    web_decide(legal, "moderator", case_of(legal, "post-3"), "escalate_senior", note="unsure")

    [restricted] = statements(legal)
    assert restricted.item_id == "post-2"
    assert restricted.record["territorial_scope"] == ["AT", "DE"]
    assert restricted.record["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert told(legal, "post-3") == []


def test_an_automatic_removal_is_explained_once_as_fully_automated(legal: Legal) -> None:
    bank_poster(legal, 21)
    check_poster(legal, "img-1", 21)
    check_poster(legal, "img-1", 21)  # checked again: nothing new was restricted

    [statement] = statements(legal, "img-1")
    assert (statement.basis, statement.automated_decision) == ("automatic", "AUTOMATED_DECISION_FULLY")
    assert statement.record["automated_detection"] == "Yes" and validate(statement.record) == []
    assert "exact match in bank fictional-posters" in statement.facts
    assert len(told(legal, "img-1")) == 1

    # A person confirming the automatic removal restricts nothing new: no second statement.
    web_decide(legal, "moderator", case_of(legal, "img-1"), "remove", category="propaganda")
    assert len(statements(legal, "img-1")) == 1


def test_an_order_gives_each_item_it_disables_a_statement_on_illegal_content(legal: Legal) -> None:
    check_poster(legal, "ord-1", 11, permalink="https://forum.example/p/1")
    check_poster(legal, "copy-1", 11)  # the same file again

    assert legal.send(an_order()).status_code == 201

    by_item = {s.item_id: s for s in statements(legal)}
    assert set(by_item) == {"ord-1", "copy-1"}
    record = by_item["copy-1"].record
    assert validate(record) == []
    assert record["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"  # Art 17(3)(d)
    assert record["illegal_content_legal_ground"].startswith("Regulation (EU) 2021/784, Art 2(7) (a), (c)")
    assert record["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"  # the brief: an order not under DSA Art 9
    assert "an exact copy of a named item" in record["decision_facts"]
    [sent] = told(legal, "ord-1")
    assert "Art 9" in sent["redress"] and "fictional administrative court" in sent["redress"]  # the order's redress


def test_a_non_disclosure_decision_holds_the_statement_until_it_lapses(legal: Legal) -> None:
    check_poster(legal, "ord-1", 11, permalink="https://forum.example/p/1")
    until = RECEIVED + minutes(60 * 24 * 7 * 6)  # six weeks (Art 11(3))

    assert legal.send(an_order(non_disclosure_until=until.isoformat())).status_code == 201

    [statement] = statements(legal, "ord-1")
    assert statement.held_until == until and statement.told_at is None
    assert told(legal) == []  # nothing about the removal reaches the uploader
    assert legal.tick(until - minutes(1)).released == 0
    assert told(legal) == []

    assert legal.tick(until).released == 1

    [sent] = told(legal, "ord-1")
    assert sent["statement"] == statement.id
    [released] = statements(legal, "ord-1")
    assert released.told_at == until and released.held_until is None
    assert [a.payload["statement"] for a in _audit(legal, "statement.release")] == [statement.id]
    assert legal.tick(until + minutes(5)).released == 0  # released once


def test_identifiers_are_cut_out_of_the_public_records_free_text() -> None:
    record = {"decision_facts": "Flagged in post-7 by acct-77; see post-70.", "puid": "bastion-x", "category": "C"}

    cleaned = without_identifiers(record, ["post-7", "acct-77", "ab"])

    assert cleaned["decision_facts"] == "Flagged in [withheld] by [withheld]; see post-70."  # whole names only
    assert cleaned["puid"] == "bastion-x" and record["decision_facts"].startswith("Flagged in post-7")
