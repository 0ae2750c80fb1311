"""The moderator's work: the queue, claiming a case, deciding it, escalating, and appeals.

Every state change is one transaction with its audit record. Claims are a
conditional UPDATE, so two moderators claiming at once get one winner on
either database, and the loser is told who has it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from bastion.banks.entries import NewEntry, add_entries
from bastion.core import Category
from bastion.review.accounts import Permission, can
from bastion.review.actions import enqueue_action
from bastion.store.audit import append_audit
from bastion.store.models.core import CaseRow, ItemRow, VerdictRow
from bastion.store.models.review import AppealRow, DecisionRow, ReportRow, UserRow

CLAIM_EXPIRES = timedelta(minutes=30)
_COUNTRY = re.compile(r"[A-Z]{2}")
QUEUE_STATES = ("open", "assigned", "appealed")


class Decision(StrEnum):
    NO_VIOLATION = "no_violation"
    REMOVE = "remove"
    RESTRICT = "restrict"  # geo-block in the listed countries
    LABEL = "label"  # warning label / interstitial
    ESCALATE_SENIOR = "escalate_senior"
    ESCALATE_LEGAL = "escalate_legal"


class AppealOutcome(StrEnum):
    UPHOLD = "uphold"
    REVERSE = "reverse"


ACTIONED = {Decision.REMOVE, Decision.RESTRICT, Decision.LABEL}


class ReviewError(ValueError):
    """A review step that cannot be done as asked; `status` is the HTTP status that fits."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class QueueFilter:
    category: str | None = None
    lang: str | None = None
    source: str | None = None
    bank: str | None = None
    rule: str | None = None
    older_than_hours: float | None = None


@dataclass(frozen=True)
class QueueEntry:
    case: CaseRow
    item: ItemRow
    verdict: dict[str, Any] = field(default_factory=dict)

    @property
    def banks(self) -> set[str]:
        return {
            (s.get("evidence") or {}).get("match", {}).get("bank")
            for s in self.verdict.get("signals", [])
            if s.get("detector") == "hashes" and (s.get("evidence") or {}).get("match")
        }

    @property
    def rules(self) -> set[str]:
        return {r["name"] for r in self.verdict.get("rules", [])}


def queue(session: Session, user: UserRow, filters: QueueFilter, now: datetime, limit: int = 200) -> list[QueueEntry]:
    """Open cases this user may work, legal orders first, then by priority, deadline and age."""
    query = (
        select(CaseRow, ItemRow, VerdictRow.body)
        .join(ItemRow, ItemRow.id == CaseRow.item_id)
        .outerjoin(VerdictRow, VerdictRow.item_id == CaseRow.item_id)
        .where(CaseRow.state.in_(QUEUE_STATES), CaseRow.id.not_in(_appeals_against(user)))
        .order_by(CaseRow.priority.desc(), CaseRow.deadline.is_(None), CaseRow.deadline, CaseRow.opened_at)
    )
    # Plain columns filter in SQL; what sits inside JSON (categories, banks, rules) is checked below.
    if filters.lang:
        query = query.where(ItemRow.lang == filters.lang)
    if filters.source:
        query = query.where(CaseRow.source == filters.source)
    if filters.older_than_hours is not None:
        query = query.where(CaseRow.opened_at <= now - timedelta(hours=filters.older_than_hours))
    # Streamed in queue order until `limit` pass: a filter that matches only deep in a long
    # backlog still finds its cases, and a short page reads no more rows than it needs.
    found: list[QueueEntry] = []
    result = session.execute(query.execution_options(yield_per=limit * 5))
    for case, item, body in result:
        entry = QueueEntry(case, item, body or {})
        if _visible(case, user) and _matches(entry, filters):
            found.append(entry)
            if len(found) == limit:
                break
    result.close()
    return found


def _appeals_against(user: UserRow) -> Select[int]:
    """Cases whose open appeal contests a decision this user made (appeals against them go elsewhere)."""
    return select(AppealRow.case_id).where(AppealRow.outcome.is_(None), AppealRow.excluded_moderator == user.username)


def _visible(case: CaseRow, user: UserRow) -> bool:
    if case.state == "appealed":
        return can(user.role, Permission.DECIDE_APPEAL) or can(user.role, Permission.VIEW_AUDIT)
    if case.escalated_to == "senior":
        return can(user.role, Permission.DECIDE_ESCALATED) or can(user.role, Permission.VIEW_AUDIT)
    if case.escalated_to == "legal":
        return can(user.role, Permission.DECIDE_LEGAL) or can(user.role, Permission.VIEW_AUDIT)
    return can(user.role, Permission.VIEW_QUEUE)


def _matches(entry: QueueEntry, f: QueueFilter) -> bool:
    return (
        (not f.category or f.category in entry.case.categories)
        and (not f.bank or f.bank in entry.banks)
        and (not f.rule or f.rule in entry.rules)
    )


def claim(session: Session, case_id: int, user: UserRow, now: datetime) -> CaseRow:
    """Take a case to work on; a ReviewError names who has it when someone else does."""
    case = _case(session, case_id)
    if not _may_work(case, user):
        raise ReviewError("your role cannot work this case", 403)
    appealed = case.state == "appealed"
    if appealed and case_id in set(session.scalars(_appeals_against(user))):
        raise ReviewError("an appeal goes to a different moderator than the one who decided", 403)
    result = session.execute(
        update(CaseRow)
        .where(
            CaseRow.id == case_id,
            CaseRow.state.in_(QUEUE_STATES),
            or_(
                CaseRow.assignee.is_(None), CaseRow.assignee == user.username, CaseRow.updated_at < now - CLAIM_EXPIRES
            ),
        )
        .values(
            assignee=user.username,
            state="appealed" if appealed else "assigned",
            updated_at=now,
            version=CaseRow.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(case)
        holder = case.assignee or "nobody"
        raise ReviewError(f"case {case_id} is already claimed by {holder} (state {case.state})")
    session.refresh(case)
    append_audit(session, action="case.claim", subject=f"case:{case_id}", actor=f"user:{user.username}")
    return case


def release(session: Session, case_id: int, user: UserRow, now: datetime) -> None:
    case = _case(session, case_id)
    if case.assignee == user.username:
        case.assignee, case.updated_at = None, now
        if case.state == "assigned":
            case.state = "open"
        append_audit(session, action="case.release", subject=f"case:{case_id}", actor=f"user:{user.username}")


def decide(
    session: Session,
    case_id: int,
    user: UserRow,
    decision: Decision,
    now: datetime,
    category: Category | None = None,
    note: str = "",
    countries: list[str] | None = None,
    add_to_bank: str | None = None,
) -> DecisionRow:
    """Record a first decision (or an escalation) on a case this user holds, and queue its action."""
    case = _held(session, case_id, user)
    if case.state == "appealed":
        raise ReviewError("this case is under appeal: decide the appeal instead")
    if decision in ACTIONED and (category is None or not category.is_violating):
        raise ReviewError("removing, restricting or labelling needs a violating policy category", 422)
    if decision is Decision.RESTRICT and not countries:
        raise ReviewError("restricting needs the countries to block in", 422)
    if any(not _COUNTRY.fullmatch(code) for code in countries or []):
        raise ReviewError("countries are two-letter ISO 3166-1 codes, such as DE or FR", 422)
    row = _decision_row(session, case, user, decision.value, category, note, countries or [], "first", now)
    if decision in (Decision.ESCALATE_SENIOR, Decision.ESCALATE_LEGAL):
        case.escalated_to = "senior" if decision is Decision.ESCALATE_SENIOR else "legal"
        case.state, case.assignee = "open", None
    else:
        case.state = "decided"
        _settle_reports(session, case.item_id, upheld=decision in ACTIONED)
        details = {
            "category": category.value if category else None,
            "countries": countries or [],
            "case": case.id,
            "decision": row.id,
        }
        enqueue_action(session, case.item_id, decision.value, details, now)
    case.updated_at = now
    if add_to_bank:
        _bank_item(session, case.item_id, add_to_bank, user, category)
    append_audit(
        session,
        action=f"case.decide.{decision.value}",
        subject=f"case:{case.id}",
        actor=f"user:{user.username}",
        payload={
            "item": case.item_id,
            "category": category.value if category else None,
            "note": note,
            "countries": countries or [],
            "decision": row.id,
            "add_to_bank": add_to_bank,
        },
    )
    return row


def file_appeal(session: Session, item_id: str, appellant: str, text: str, now: datetime) -> AppealRow:
    """An author contests an action on their content; the case returns to the queue for someone else."""
    case = session.scalar(select(CaseRow).where(CaseRow.item_id == item_id))
    last = _last_decision(session, case.id) if case else None
    if case is None or last is None or case.state != "decided" or last.action not in {d.value for d in ACTIONED}:
        raise ReviewError(f"item {item_id!r} has no decided action to appeal", 404)
    appeal = AppealRow(
        case_id=case.id,
        item_id=item_id,
        appellant=appellant,
        text=text,
        filed_at=now,
        excluded_moderator=last.moderator,
    )
    session.add(appeal)
    case.state, case.assignee, case.updated_at = "appealed", None, now
    session.flush()
    append_audit(
        session,
        action="appeal.file",
        subject=f"case:{case.id}",
        actor=f"author:{appellant}",
        payload={"appeal": appeal.id, "text": text},
    )
    return appeal


def decide_appeal(
    session: Session, case_id: int, user: UserRow, outcome: AppealOutcome, now: datetime, note: str = ""
) -> AppealRow:
    case = _held(session, case_id, user)
    appeal = session.scalar(
        select(AppealRow).where(AppealRow.case_id == case_id, AppealRow.outcome.is_(None)).order_by(AppealRow.id.desc())
    )
    if case.state != "appealed" or appeal is None:
        raise ReviewError(f"case {case_id} has no open appeal")
    if appeal.excluded_moderator == user.username:
        raise ReviewError("an appeal goes to a different moderator than the one who decided", 403)
    if not can(user.role, Permission.DECIDE_APPEAL):
        raise ReviewError("your role cannot decide appeals", 403)
    appeal.outcome = "upheld" if outcome is AppealOutcome.UPHOLD else "reversed"
    _decision_row(session, case, user, appeal.outcome, None, note, [], "appeal", now)
    case.state, case.updated_at = "redecided", now
    if outcome is AppealOutcome.REVERSE:
        enqueue_action(session, case.item_id, "restore", {"case": case.id, "appeal": appeal.id}, now)
        _resettle_reports(session, case.item_id)
    append_audit(
        session,
        action=f"appeal.{appeal.outcome}",
        subject=f"case:{case.id}",
        actor=f"user:{user.username}",
        payload={"appeal": appeal.id, "note": note},
    )
    return appeal


def _decision_row(
    session: Session,
    case: CaseRow,
    user: UserRow,
    action: str,
    category: Category | None,
    note: str,
    countries: list[str],
    stage: str,
    now: datetime,
) -> DecisionRow:
    body = session.scalar(select(VerdictRow.body).where(VerdictRow.item_id == case.item_id)) or {}
    flagged_by = sorted({s["detector"] for s in body.get("signals", []) if Category(s["category"]).is_violating})
    row = DecisionRow(
        case_id=case.id,
        item_id=case.item_id,
        moderator=user.username,
        action=action,
        category=category.value if category else None,
        note=note,
        countries=countries,
        stage=stage,
        detectors=flagged_by,
        decided_at=now,
        seconds_to_decide=int((now - case.opened_at).total_seconds()),
    )
    session.add(row)
    session.flush()
    return row


def _settle_reports(session: Session, item_id: str, upheld: bool) -> None:
    for report in session.scalars(select(ReportRow).where(ReportRow.item_id == item_id, ReportRow.outcome.is_(None))):
        report.outcome = "upheld" if upheld else "rejected"


def _resettle_reports(session: Session, item_id: str) -> None:
    """A reversed action means the reports behind it were wrong: reporter trust learns the final outcome."""
    for report in session.scalars(select(ReportRow).where(ReportRow.item_id == item_id, ReportRow.outcome == "upheld")):
        report.outcome = "rejected"


def _bank_item(session: Session, item_id: str, bank: str, user: UserRow, category: Category | None) -> None:
    media = session.scalar(select(ItemRow.media).where(ItemRow.id == item_id)) or {}
    hashes = media.get("hashes") or {}
    entries = [
        NewEntry(kind, hashes[kind], [category.value] if category else [], f"review:{item_id}")
        for kind in ("pdq", "md5", "sha256")
        if hashes.get(kind)
    ]
    if not entries:
        raise ReviewError("this item has no media hashes to add to a bank", 422)
    add_entries(session, bank, entries, f"user:{user.username}")


def _last_decision(session: Session, case_id: int) -> DecisionRow | None:
    return session.scalar(
        select(DecisionRow)
        .where(
            DecisionRow.case_id == case_id,
            DecisionRow.stage == "first",
            DecisionRow.action.not_in(["escalate_senior", "escalate_legal"]),
        )
        .order_by(DecisionRow.id.desc())
    )


def _case(session: Session, case_id: int) -> CaseRow:
    case = session.get(CaseRow, case_id)
    if case is None:
        raise ReviewError(f"no case {case_id}", 404)
    return case


def _held(session: Session, case_id: int, user: UserRow) -> CaseRow:
    case = _case(session, case_id)
    if case.assignee != user.username:
        raise ReviewError(f"claim case {case_id} before deciding it")
    if not _may_work(case, user):
        raise ReviewError("your role cannot decide this case", 403)
    return case


def _may_work(case: CaseRow, user: UserRow) -> bool:
    if case.state == "appealed":
        return can(user.role, Permission.DECIDE_APPEAL)
    if case.escalated_to == "senior":
        return can(user.role, Permission.DECIDE_ESCALATED)
    if case.escalated_to == "legal":
        return can(user.role, Permission.DECIDE_LEGAL)
    return can(user.role, Permission.DECIDE)
