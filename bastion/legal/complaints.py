"""Complaints against restrictions (DSA Art 20, TCO Art 10), lodged by the uploader against the statement of
reasons they were given, and handled by the existing appeal path (`review.cases`): the case returns to the queue
for a person other than the one who decided, who upholds or reverses it; a reversal restores the item through the
action outbox with `complaint` in its details. Every step is audited.

- The window: at least six months from the day the recipient was told (DSA Art 20(1)-(2); `complaints.open_for`
  in the eu-dsa regime file). A statement still held under a non-disclosure decision has not been told yet: its
  window has not started.
- TCO complaints (a removal of terrorist content on the provider's own measures, Art 10(1)) are answered within
  two weeks of receipt (Art 10(2); `complaints.decide_within` in the eu-tco file): the case's deadline, shown in
  the queue.
- A removal order's item is not complained about here: the order is challenged before the courts of the issuing
  Member State (TCO Art 9) or by a request for scrutiny (Art 4).
- Never decided automatically (DSA Art 20(6)): a complaint is only ever closed by a person's decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bastion.core import CaseState, Category
from bastion.legal.regimes import RegimeError, load_regime, parse_duration
from bastion.review.cases import file_appeal
from bastion.review.states import ReviewError, state_of
from bastion.settings import Settings
from bastion.store.models.review import AppealRow
from bastion.store.models.statements import StatementRow
from bastion.store.transaction import Transaction

DEFAULT_WINDOW = timedelta(days=183)  # DSA Art 20(1): "at least six months"
TCO_BASES = ("review", "automatic")  # the provider's own measures (TCO Art 5), not orders


def complaint_window(settings: Settings) -> timedelta:
    return _duration(settings, "eu-dsa", "open_for") or DEFAULT_WINDOW


def tco_answer_time(settings: Settings) -> timedelta | None:
    return _duration(settings, "eu-tco", "decide_within")


def _duration(settings: Settings, regime: str, key: str) -> timedelta | None:
    try:
        raw = load_regime(regime, settings.regimes_dir).complaints.get(key)
    except RegimeError:
        return None
    return parse_duration(raw) if raw else None


def lodge_complaint(
    tx: Transaction, platform: str, item_id: str, complainant: str, text: str, now: datetime, settings: Settings
) -> AppealRow:
    """Lodge the uploader's complaint against the latest restriction of the platform's item."""
    statement = _statement(tx, platform, item_id)
    if statement.basis == "order":
        raise ReviewError(
            "this item was disabled under a removal order: the order is challenged before the courts of the issuing "
            "Member State (Regulation (EU) 2021/784, Art 9), not by a complaint to the platform",
            422,
        )
    informed = tx.statements.informed_at(statement)
    window = complaint_window(settings)
    if informed is not None and now > informed + window:
        ends = (informed + window).date().isoformat()
        raise ReviewError(f"the time to complain about this decision ended on {ends} (DSA Art 20(1))", 422)
    case = tx.cases.for_item(platform, item_id)
    if case is None:
        raise ReviewError(f"item {item_id!r} has no case to complain about", 404)
    if state_of(case) is CaseState.DECIDED:
        complaint = file_appeal(tx, platform, item_id, complainant, text, now)
    else:
        complaint = _on_undecided(tx, case.id, platform, item_id, complainant, text, now)
    complaint.kind, complaint.statement_id = "complaint", statement.id
    answer_in = tco_answer_time(settings)
    if answer_in is not None and _under_tco(statement):
        complaint.decide_by = now + answer_in
        case.deadline = min(filter(None, (case.deadline, complaint.decide_by)))
    tx.audit.append(
        action="complaint.lodge",
        subject=f"case:{case.id}",
        actor=f"author:{complainant}",
        payload={
            "complaint": complaint.id,
            "statement": statement.id,
            "decide_by": complaint.decide_by.isoformat() if complaint.decide_by else None,
            "told_at": informed.isoformat() if informed else None,
        },
        at=now,
    )
    return complaint


def lodge_notifier_complaint(
    tx: Transaction, platform: str | None, receipt: str, text: str, now: datetime, settings: Settings
) -> AppealRow:
    """A notifier contests the decision not to act on their notice (DSA Art 20(1): notifiers have the system too).

    The notice's receipt proves who sends it; `platform`, when given, is the forwarding platform, whose notices
    only it may complain about. The window runs from the decision, when the notifier was told (Art 16(5), 20(2))."""
    notice = tx.notices.by_receipt(receipt)
    if notice is None or (platform is not None and notice.platform != platform):
        raise ReviewError("no notice with that receipt", 404)
    last = tx.cases.last_final_decision(notice.case_id)
    if last is None:
        raise ReviewError("the notice has not been decided yet: there is nothing to complain about", 409)
    if last.action != "no_violation":
        raise ReviewError("the noticed content was acted on: a notifier complains about a decision not to act", 409)
    window = complaint_window(settings)
    if now > last.decided_at + window:
        ends = (last.decided_at + window).date().isoformat()
        raise ReviewError(f"the time to complain about this decision ended on {ends} (DSA Art 20(1))", 422)
    complainant = f"notifier-{notice.id}"
    complaint = file_appeal(tx, notice.platform, notice.item_id, complainant, text, now, against_no_action=True)
    complaint.kind = "complaint"
    tx.audit.append(
        action="complaint.lodge",
        subject=f"case:{notice.case_id}",
        actor=f"notifier:{notice.id}",
        payload={"complaint": complaint.id, "notice": notice.id, "decision": last.id},
        at=now,
    )
    return complaint


def _statement(tx: Transaction, platform: str, item_id: str) -> StatementRow:
    statements = tx.statements.for_item(platform, item_id)
    if not statements:
        raise ReviewError(f"item {item_id!r} has no restriction to complain about", 404)
    return statements[-1]


def _under_tco(statement: StatementRow) -> bool:
    """TCO Art 10 covers terrorist content the provider removed on its own measures."""
    violating = statement.category is None or Category(statement.category).is_violating
    return statement.basis in TCO_BASES and violating


def _on_undecided(
    tx: Transaction, case_id: int, platform: str, item_id: str, complainant: str, text: str, now: datetime
) -> AppealRow:
    """A complaint against an automatic removal no person has confirmed yet: it waits on the open case, whose
    person's decision answers it (`settle_on_decision`)."""
    if tx.cases.open_appeal(case_id) is not None:
        raise ReviewError("a complaint about this decision is already waiting", 409)
    return tx.cases.add_appeal(
        AppealRow(
            case_id=case_id,
            platform=platform,
            item_id=item_id,
            appellant=complainant,
            text=text,
            filed_at=now,
            excluded_moderator="",  # nobody decided: a machine did
        )
    )


def complaint_view(complaint: AppealRow) -> dict[str, Any]:
    """What the platform tells the complainant (DSA Art 20(4)): the state, the outcome and the redress left."""
    return {
        "complaint_id": complaint.id,
        "case_id": complaint.case_id,
        "item_id": complaint.item_id,
        "state": "decided" if complaint.outcome else "open",
        "outcome": complaint.outcome,
        "filed_at": complaint.filed_at.isoformat(),
        "decide_by": complaint.decide_by.isoformat() if complaint.decide_by else None,
        "decided_at": complaint.decided_at.isoformat() if complaint.decided_at else None,
        "redress": REDRESS if complaint.outcome == "upheld" else None,
    }


# DSA Art 20(5): the complainant is told of the possibility of out-of-court dispute settlement and other redress.
REDRESS = (
    "You can refer this decision to a certified out-of-court dispute settlement body (DSA Art 21) or to the courts."
)
