"""The moderator's work on a case: claiming it, deciding it, escalating it, and appeals against decisions.

Every state change goes through the state machine (`bastion.review.states`)
and is one transaction with its audit record. Claims are a conditional UPDATE
(`CaseRepository.claim`), so two moderators claiming at once get one winner on
either database, and the loser is told who has it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bastion.actions.outbox import enqueue_action
from bastion.actors.cases import actor_target
from bastion.actors.conduct import record_decision, record_reversal
from bastion.actors.policy import ConductPolicy, load_conduct_policy
from bastion.banks.entries import BankError, NewEntry, add_entries, get_bank
from bastion.core import CaseState, Category
from bastion.legal.reasons import state_review_decision
from bastion.review.accounts import higher_tier, tier_of_role
from bastion.review.automatic import automatic_action
from bastion.review.queue import may_work, refusal
from bastion.review.states import ReviewError, Step, advance, next_state, state_of
from bastion.store.models.core import CaseRow
from bastion.store.models.review import AppealRow, DecisionRow, UserRow
from bastion.store.transaction import Transaction

CLAIM_EXPIRES = timedelta(minutes=30)
_COUNTRY = re.compile(r"[A-Z]{2}")


class Decision(StrEnum):
    NO_VIOLATION = "no_violation"
    REMOVE = "remove"
    RESTRICT = "restrict"  # geo-block in the listed countries
    LABEL = "label"  # warning label / interstitial
    SUSPEND = "suspend"  # an account or container as a whole (actor-level cases only)
    ESCALATE_SENIOR = "escalate_senior"
    ESCALATE_LEGAL = "escalate_legal"


class AppealOutcome(StrEnum):
    UPHOLD = "uphold"
    REVERSE = "reverse"


ACTIONED = {Decision.REMOVE, Decision.RESTRICT, Decision.LABEL, Decision.SUSPEND}
_ESCALATED_TO = {Decision.ESCALATE_SENIOR: "senior", Decision.ESCALATE_LEGAL: "legal"}


def claim(tx: Transaction, case_id: int, user: UserRow, now: datetime) -> CaseRow:
    """Take a case to work on; a ReviewError names who has it when someone else does."""
    case = _case(tx, case_id)
    if not may_work(case, user):
        raise ReviewError(refusal(case), 403)
    state = state_of(case)
    if state is CaseState.APPEALED and tx.cases.appealed_against(case_id, user.username):
        raise ReviewError("an appeal goes to a different moderator than the one who decided", 403)
    following = next_state(state, Step.CLAIM)
    if not tx.cases.claim(case, user.username, following.value, now, expired_before=now - CLAIM_EXPIRES):
        holder = case.assignee or "nobody"
        raise ReviewError(f"case {case_id} is already claimed by {holder} (state {case.state})")
    tx.audit.append(action="case.claim", subject=f"case:{case_id}", actor=f"user:{user.username}")
    return case


def decide(
    tx: Transaction,
    case_id: int,
    user: UserRow,
    decision: Decision,
    now: datetime,
    category: Category | None = None,
    note: str = "",
    countries: list[str] | None = None,
    add_to_bank: str | None = None,
    policy_version: str | None = None,
    conduct: ConductPolicy | None = None,
) -> DecisionRow:
    """Record a first decision (or an escalation) on a case this user holds, and queue its action.

    `policy_version` names the TVEC policy document the moderator applied: the decision is a training label
    under that version (`bastion.learning.labels`). The decision's strikes, or its effect on the actor an
    actor-level case is about, follow the `conduct` policy (`bastion.actors.conduct`)."""
    case = _held(tx, case_id, user)
    if state_of(case) is CaseState.APPEALED:
        raise ReviewError("this case is under appeal: decide the appeal instead")
    _check(decision, category, countries or [])
    about = tx.conduct.actor_case(case.id)
    if decision is Decision.SUSPEND and about is None:
        raise ReviewError("suspending is for a case about an account or container as a whole", 422)
    if add_to_bank:
        _check_bank(tx, add_to_bank, decision)
    escalated_to = _ESCALATED_TO.get(decision)
    advance(case, Step.ESCALATE if escalated_to else Step.DECIDE)
    verdict = tx.cases.verdict_of(case)
    row = _decision_row(tx, case, verdict, user, decision.value, category, note, countries or [], "first", now)
    row.policy_version = policy_version
    if escalated_to:
        case.escalated_to, case.assignee = escalated_to, None
    else:
        tx.reports.settle(case.platform, case.item_id, upheld=decision in ACTIONED)
        details: dict[str, Any] = {
            "category": category.value if category else None,
            "countries": countries or [],
            "case": case.id,
            "decision": row.id,
        }
        complaint = _answer_waiting_complaint(tx, case, user, decision, now)
        if complaint is not None:
            details["complaint"] = complaint.id
        if about is not None and (actor := tx.actors.get(about.actor_id)) is not None:
            details["actor"] = actor_target(actor)
        enqueue_action(tx, case.platform, case.item_id, _platform_action(decision, verdict), details, now)
        if decision in ACTIONED:  # DSA Art 17(1): every restriction gets its statement of reasons
            state_review_decision(tx, case, row, verdict, now)
        cat = category.value if category else None
        record_decision(tx, case, decision.value, cat, row.id, now, conduct or load_conduct_policy())
    case.updated_at = now
    if add_to_bank:
        _bank_item(tx, case, add_to_bank, user, category)
    tx.audit.append(
        action=f"case.decide.{decision.value}",
        subject=f"case:{case.id}",
        actor=f"user:{user.username}",
        payload={
            "platform": case.platform,
            "item": case.item_id,
            "category": category.value if category else None,
            "note": note,
            "countries": countries or [],
            "decision": row.id,
            "add_to_bank": add_to_bank,
            "policy_version": policy_version,
        },
    )
    return row


def _check(decision: Decision, category: Category | None, countries: list[str]) -> None:
    if decision in ACTIONED and (category is None or not category.is_violating):
        raise ReviewError("removing, restricting or labelling needs a violating policy category", 422)
    if decision is Decision.RESTRICT and not countries:
        raise ReviewError("restricting needs the countries to block in", 422)
    if any(not _COUNTRY.fullmatch(code) for code in countries):
        raise ReviewError("countries are two-letter ISO 3166-1 codes, such as DE or FR", 422)


def _check_bank(tx: Transaction, name: str, decision: Decision) -> None:
    """A case's item goes only into a blocking bank, with a decision that acts on it (see `review.accounts`)."""
    try:
        bank = get_bank(tx, name)
    except BankError as error:
        raise ReviewError(str(error), 404) from None
    if bank.benign:
        raise ReviewError(f"{name!r} is an allow bank: nobody adds to an allow bank from a case", 403)
    if decision not in ACTIONED:
        raise ReviewError("only an item you remove, restrict or label can be added to a bank", 422)


def _platform_action(decision: Decision, verdict: dict[str, Any]) -> str:
    """What the platform is told to do: finding no violation in an item removed automatically restores it."""
    if decision is Decision.NO_VIOLATION and automatic_action(verdict) is not None:
        return "restore"
    return decision.value


def file_appeal(
    tx: Transaction,
    platform: str,
    item_id: str,
    appellant: str,
    text: str,
    now: datetime,
    against_no_action: bool = False,
) -> AppealRow:
    """An author contests an action on the platform's item of that id; the case returns to the queue for someone else.
    With `against_no_action`, a notifier contests a decision not to act (DSA Art 20(1)).

    Item ids are the platform's own: another platform's item of the same id is a different item, never this one.
    """
    case = tx.cases.for_item(platform, item_id)
    last = tx.cases.last_final_decision(case.id) if case else None
    contestable = last is not None and (
        last.action == Decision.NO_VIOLATION if against_no_action else last.action in ACTIONED
    )
    if case is None or last is None or state_of(case) is not CaseState.DECIDED or not contestable:
        what = "decision not to act" if against_no_action else "decided action"
        raise ReviewError(f"item {item_id!r} has no {what} to appeal", 404)
    advance(case, Step.APPEAL)
    case.escalated_to = _tier_of(tx, case, last)
    appeal = tx.cases.add_appeal(
        AppealRow(
            case_id=case.id,
            platform=platform,
            item_id=item_id,
            appellant=appellant,
            text=text,
            filed_at=now,
            excluded_moderator=last.moderator,
        )
    )
    case.assignee, case.updated_at = None, now
    tx.audit.append(
        action="appeal.file",
        subject=f"case:{case.id}",
        actor=f"author:{appellant}",
        payload={"appeal": appeal.id, "text": text},
    )
    return appeal


def _tier_of(tx: Transaction, case: CaseRow, decision: DecisionRow) -> str | None:
    """The tier a decision was made at: where its case was escalated to, or higher if its decider's role is."""
    decider = tx.users.named(decision.moderator)
    return higher_tier(case.escalated_to, tier_of_role(decider.role) if decider else None)


def decide_appeal(
    tx: Transaction, case_id: int, user: UserRow, outcome: AppealOutcome, now: datetime, note: str = ""
) -> AppealRow:
    """Uphold or reverse the decision an appeal contests, at its tier or a higher one; a reversal restores the item."""
    case = _case(tx, case_id)
    appeal = tx.cases.open_appeal(case_id)
    if state_of(case) is not CaseState.APPEALED or appeal is None:
        raise ReviewError(f"case {case_id} has no open appeal")
    if not may_work(case, user):
        raise ReviewError(refusal(case), 403)
    if appeal.excluded_moderator == user.username:
        raise ReviewError("an appeal goes to a different moderator than the one who decided", 403)
    _held(tx, case_id, user)
    advance(case, Step.DECIDE_APPEAL)
    appeal.outcome = "upheld" if outcome is AppealOutcome.UPHOLD else "reversed"
    appeal.decided_at = now
    contested = tx.cases.last_final_decision(case.id)
    verdict = tx.cases.verdict_of(case)
    row = _decision_row(tx, case, verdict, user, appeal.outcome, None, note, [], "appeal", now)
    case.updated_at = now
    if outcome is AppealOutcome.REVERSE:
        details: dict[str, Any] = {"case": case.id, "appeal": appeal.id}
        if appeal.kind == "complaint":  # DSA Art 20(4), TCO Art 10(2): reversed on a complaint
            details["complaint"] = appeal.id
        if contested is not None and contested.action == Decision.NO_VIOLATION:  # a notifier's complaint upheld
            enqueue_action(tx, case.platform, case.item_id, "remove", details, now)
            tx.reports.settle(case.platform, case.item_id, upheld=True)
            state_review_decision(tx, case, row, verdict, now, action=Decision.REMOVE.value)
        else:
            enqueue_action(tx, case.platform, case.item_id, "restore", details, now)
            tx.reports.reject_upheld(case.platform, case.item_id)  # reporter trust learns the final outcome
            record_reversal(tx, case, now)  # its strikes revoked, or the actor it acted on restored
    tx.audit.append(
        action=f"{appeal.kind}.{appeal.outcome}",
        subject=f"case:{case.id}",
        actor=f"user:{user.username}",
        payload={"appeal": appeal.id, "note": note},
    )
    return appeal


def _answer_waiting_complaint(
    tx: Transaction, case: CaseRow, user: UserRow, decision: Decision, now: datetime
) -> AppealRow | None:
    """A complaint lodged against an automatic removal before any person decided: this decision answers it
    (finding no violation reverses the removal). Complaints are only ever answered by a person (DSA Art 20(6))."""
    complaint = tx.cases.open_appeal(case.id)
    if complaint is None or complaint.kind != "complaint":
        return None
    complaint.outcome = "reversed" if decision is Decision.NO_VIOLATION else "upheld"
    complaint.decided_at = now
    tx.audit.append(
        action=f"complaint.{complaint.outcome}",
        subject=f"case:{case.id}",
        actor=f"user:{user.username}",
        payload={"complaint": complaint.id, "decision": decision.value},
        at=now,
    )
    return complaint


def _decision_row(
    tx: Transaction,
    case: CaseRow,
    verdict: dict[str, Any],
    user: UserRow,
    action: str,
    category: Category | None,
    note: str,
    countries: list[str],
    stage: str,
    now: datetime,
) -> DecisionRow:
    flagged_by = sorted({s["detector"] for s in verdict.get("signals", []) if Category(s["category"]).is_violating})
    return tx.cases.add_decision(
        DecisionRow(
            case_id=case.id,
            platform=case.platform,
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
    )


def _bank_item(tx: Transaction, case: CaseRow, bank: str, user: UserRow, category: Category | None) -> None:
    hashes = tx.cases.media_of(case).get("hashes") or {}
    entries = [
        NewEntry(kind, hashes[kind], [category.value] if category else [], f"review:{case.platform}/{case.item_id}")
        for kind in ("pdq", "md5", "sha256")
        if hashes.get(kind)
    ]
    if not entries:
        raise ReviewError("this item has no media hashes to add to a bank", 422)
    add_entries(tx, bank, entries, f"user:{user.username}")


def _case(tx: Transaction, case_id: int) -> CaseRow:
    case = tx.cases.get(case_id)
    if case is None:
        raise ReviewError(f"no case {case_id}", 404)
    return case


def _held(tx: Transaction, case_id: int, user: UserRow) -> CaseRow:
    case = _case(tx, case_id)
    if case.assignee != user.username:
        raise ReviewError(f"claim case {case_id} before deciding it")
    if not may_work(case, user):
        raise ReviewError(refusal(case), 403)
    return case
