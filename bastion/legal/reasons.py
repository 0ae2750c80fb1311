"""A statement of reasons for every restriction (DSA Art 17(1)), written in the transaction of the decision that
restricts: a moderator's decision (`review.cases.decide`), a removal order's disablement (`legal.orders.disable`)
and a rule's automatic removal (`Service`'s recording). The stored statement holds the facts Art 17(3) asks for;
the uploader's text (`legal.uploader`) and the Transparency Database record (Art 24(5), `legal.statements`) are
both made from it, and the record is checked by `sor_validator` before it is kept.

The uploader is told through the action outbox (`statement_of_reasons`), unless a removal order's non-disclosure
decision covers the item (TCO Art 11(3)): then the statement is held and `release_held` sends it once it lapses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bastion.actions.outbox import enqueue_action
from bastion.core import Action, Category, Item, Verdict
from bastion.legal.sor_validator import validate
from bastion.legal.statements import DecisionPath, Restriction, build_statement
from bastion.legal.uploader import uploader_statement
from bastion.review.automatic import automatic_action
from bastion.store.items import item_subject
from bastion.store.models.core import CaseRow, ItemRow
from bastion.store.models.orders import OrderRow, OrderTargetRow
from bastion.store.models.review import DecisionRow
from bastion.store.models.statements import StatementRow
from bastion.store.transaction import Transaction

FREE_TEXT = ("decision_facts", "illegal_content_explanation", "incompatible_content_explanation", "source_identity")


class StatementError(ValueError):
    """A statement Bastion built breaks the Transparency Database's rules or would carry personal data."""


@dataclass(frozen=True)
class Facts:
    """What is known about a restriction beyond the TDB fields: where it came from, for the stored statement."""

    basis: str  # review, order, automatic
    category: str | None = None
    case_id: int | None = None
    decision_id: int | None = None
    order_id: int | None = None
    rules: tuple[str, ...] = ()
    detectors: tuple[str, ...] = ()
    order_redress: str = ""
    not_for_database: bool = False  # DSA Art 17(5): an Art 9 order's statement goes to no database


def record_statement(
    tx: Transaction, restriction: Restriction, facts: Facts, now: datetime, private: Sequence[str] = ()
) -> StatementRow:
    """Keep the statement of one restriction and tell the uploader (or hold it); the same restriction twice is one.

    `private` names what must not reach the public record (the author, the item id): Art 24(5)."""
    record = without_identifiers(build_statement(restriction), [restriction.item_id, restriction.platform, *private])
    existing = tx.statements.by_puid(record["puid"])
    if existing is not None:
        return existing
    problems = validate(record)
    if problems:
        raise StatementError("; ".join(problems))
    detected, decided = record["automated_detection"], record["automated_decision"]
    row = tx.statements.add(
        StatementRow(
            puid=record["puid"],
            platform=restriction.platform,
            item_id=restriction.item_id,
            basis=facts.basis,
            path=restriction.path.value,
            restriction=restriction.restriction,
            category=facts.category,
            countries=list(restriction.territorial_scope),
            case_id=facts.case_id,
            decision_id=facts.decision_id,
            order_id=facts.order_id,
            rules=list(facts.rules),
            detectors=list(facts.detectors),
            facts=restriction.facts,
            automated_detection=detected == "Yes",
            automated_decision=decided,
            decided_at=restriction.decided_at,
            record=record,
            tdb_state="exempt" if facts.not_for_database else "pending",
            tdb_attempts=0,
        )
    )
    tx.audit.append(
        action="statement.record",
        subject=item_subject(row.platform, row.item_id),
        actor="system",
        payload={"statement": row.id, "puid": row.puid, "basis": row.basis, "path": row.path},
        at=now,
    )
    _tell_or_hold(tx, row, now, facts.order_redress)
    return row


def without_identifiers(record: dict[str, Any], identifiers: Sequence[str]) -> dict[str, Any]:
    """The record with the item's id, the platform's name and users' ids cut out of its free text (Art 24(5):
    no personal data). Bastion writes those texts from rules and categories, so this is a second line of defence."""
    names = sorted({n for n in identifiers if n and len(n) >= 3}, key=len, reverse=True)
    cleaned = dict(record)
    for field in FREE_TEXT:
        text = cleaned.get(field)
        if isinstance(text, str):
            for name in names:
                text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", "[withheld]", text, flags=re.IGNORECASE)
            cleaned[field] = text
    return cleaned


def _tell_or_hold(tx: Transaction, row: StatementRow, now: datetime, order_redress: str = "") -> None:
    until = tx.orders.non_disclosure_active(row.platform, row.item_id, now)
    if until is not None:  # TCO Art 11(3): nothing about the removal reaches the content provider
        row.held_until = until
        tx.audit.append(
            action="statement.hold",
            subject=item_subject(row.platform, row.item_id),
            actor="system",
            payload={"statement": row.id, "until": until.isoformat()},
            at=now,
        )
        return
    details = uploader_statement(row, order_redress)
    outbox = enqueue_action(tx, row.platform, row.item_id, "statement_of_reasons", details, now)
    row.told_at, row.outbox_id = now, outbox.id


def release_held(tx: Transaction, now: datetime) -> int:
    """Send the held statements whose non-disclosure decision has lapsed (an extended one holds them on)."""
    released = 0
    for row in tx.statements.held_due(now):
        until = tx.orders.non_disclosure_active(row.platform, row.item_id, now)
        if until is not None:
            row.held_until = until
            continue
        redress = _order_redress(tx, row)
        row.held_until = None
        _tell_or_hold(tx, row, now, redress)
        tx.audit.append(
            action="statement.release",
            subject=item_subject(row.platform, row.item_id),
            actor="system",
            payload={"statement": row.id, "delivery": row.outbox_id},
            at=now,
        )
        released += 1
    return released


def _order_redress(tx: Transaction, row: StatementRow) -> str:
    order = tx.orders.get(row.order_id) if row.order_id else None
    return order.redress if order else ""


def state_automatic_removals(
    tx: Transaction, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime
) -> None:
    """A statement for each item a live rule removed without a person (Art 17(3)(c): fully automated)."""
    for item, verdict in checked:
        if verdict.action is not Action.REMOVE:
            continue
        if any(s.basis == "automatic" for s in tx.statements.for_item(platform, item.id)):
            continue  # a re-check of what is already removed restricts nothing new
        done = automatic_action(verdict.model_dump(mode="json"))
        rules = tuple(str(r) for r in done.rules) if done else ()
        detectors = sorted({s.detector for s in verdict.signals if s.category.is_violating})
        facts = f"Removed automatically: {done}." if done else "Removed automatically by the platform's rules."
        categories = [c for c in verdict.categories if c.is_violating]
        restriction = Restriction(
            platform=platform,
            item_id=item.id,
            path=DecisionPath.AUTOMATIC,
            media=(item.kind.value,),
            posted_at=item.created_at or now,
            decided_at=now,
            facts=facts + _category_sentence(categories[0] if categories else None),
            lang=verdict.lang,
            basis="automatic",
        )
        category = categories[0].value if categories else None
        facts_row = Facts("automatic", category, rules=rules, detectors=tuple(detectors))
        record_statement(tx, restriction, facts_row, now, [item.author or ""])


def _category_sentence(category: Category | None) -> str:
    if category is None:
        return ""
    return f" It was found to be terrorist or violent extremist content ({category.value.replace('_', ' ')})."


_FOUND_BY = {
    "id": "named by its id",
    "url": "named by its address",
    "sha256": "an exact copy of a named item",
    "md5": "an exact copy of a named item",
}


def state_order_disablement(
    tx: Transaction, order: OrderRow, target: OrderTargetRow, now: datetime, article_9: bool
) -> None:
    """The statement for an item an order disabled: illegal content under TCO Art 2(7) (Art 17(3)(d)).

    Whether a TCO order is a DSA Art 9 order (then Art 17(5) spares it the database) is unconfirmed: the eu-dsa
    regime file's `order_is_article_9` decides. The uploader is told either way (TCO Art 11(1))."""
    assert target.item_id is not None
    item = tx.items.get(order.platform, target.item_id)
    grounds = ", ".join(f"({g})" for g in order.grounds)
    done = "removed" if order.action == "remove" else "disabled access to"
    facts = (
        f"The provider {done} this content under removal order {order.reference} of {order.issuing_authority} "
        f"({order.issuing_state}), which found it to be terrorist content under Regulation (EU) 2021/784 Art 2(7) "
        f"{grounds}; the content was {_FOUND_BY.get(target.found_by, 'named by the order')}."
    )
    restriction = Restriction(
        platform=order.platform,
        item_id=target.item_id,
        path=DecisionPath.ORDER,
        media=(item.kind,) if item else ("text",),
        posted_at=_posted(item, now),
        decided_at=now,
        facts=facts,
        restriction=order.action,
        legal_ground=f"Regulation (EU) 2021/784, Art 2(7) {grounds}; Art 3(3)",
        lang=item.lang if item else None,
        basis=f"order:{order.id}",
    )
    record_statement(
        tx,
        restriction,
        Facts("order", order_id=order.id, order_redress=order.redress, not_for_database=article_9),
        now,
        [item.author or "" if item else ""],
    )


def state_review_decision(
    tx: Transaction,
    case: CaseRow,
    decision: DecisionRow,
    verdict: dict[str, Any],
    now: datetime,
    action: str | None = None,
) -> None:
    """The statement for a moderator's restrictive decision; a person confirming an automatic removal adds none
    (the automatic removal's statement stands). `action` is what a decision on a complaint restricts (a
    notifier's complaint upheld removes the item)."""
    act = action or decision.action
    if action is None and act == "remove" and automatic_action(verdict) is not None:
        return
    item = tx.items.get(case.platform, case.item_id)
    notices = tx.notices.on_case(case.id)
    reported = bool(notices) or case.source == "report" or bool(tx.reports.on_item(case.platform, case.item_id))
    if decision.detectors:
        path, how = DecisionPath.HUMAN_ON_AUTOMATED_FLAG, f"automated detection ({', '.join(decision.detectors)})"
    elif reported:
        path, how = DecisionPath.HUMAN_ON_REPORT, "a notice under DSA Art 16" if notices else "a user's report"
    else:
        path, how = DecisionPath.HUMAN_OWN_INITIATIVE, "the provider's own review"
    source = None
    if notices:
        source = "SOURCE_TRUSTED_FLAGGER" if any(n.trusted_flagger for n in notices) else "SOURCE_ARTICLE_16"
    rules = tuple(f"{r['name']} v{r['version']}" for r in verdict.get("rules") or [] if not r.get("shadow"))
    named = decision.category or next((c for c in case.categories if Category(c).is_violating), None)
    category = Category(named) if named else None
    how += " and a complaint" if action else ""
    facts = (
        f"A member of the review team examined this content after {how} and decided: {_DECIDED[act]}."
        + _category_sentence(category)
        + (f" Rules that flagged it: {', '.join(rules)}." if rules else "")
    )
    restriction = Restriction(
        platform=case.platform,
        item_id=case.item_id,
        path=path,
        media=(item.kind,) if item else ("text",),
        posted_at=_posted(item, now),
        decided_at=now,
        facts=facts,
        territorial_scope=tuple(decision.countries or ()),
        restriction=act,
        source_type=source,
        lang=item.lang if item else None,
        basis=f"decision:{decision.id}",
    )
    facts_row = Facts(
        "review",
        named,
        case_id=case.id,
        decision_id=decision.id,
        rules=rules,
        detectors=tuple(decision.detectors),
    )
    record_statement(tx, restriction, facts_row, now, [item.author or "" if item else "", decision.moderator])


_DECIDED = {
    "remove": "remove it",
    "restrict": "make it unavailable in the countries named",
    "label": "label it with a warning",
    "suspend": "suspend the account that posted it",
}


def _posted(item: ItemRow | None, now: datetime) -> datetime:
    if item is None:
        return now
    return item.created_at or item.received_at
