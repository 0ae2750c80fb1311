"""Conduct over time: strikes from upheld restricting decisions, their decay, the thresholds that open a case
about an actor, and what an actor-level decision or a reversal changes.

Called by `bastion.review.cases` in the decision's own transaction, so a strike exists exactly when its decision
does, and a reversal on appeal revokes it in the same commit.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from bastion.actors.cases import open_actor_case
from bastion.actors.containers import check_removed_share
from bastion.actors.networks import link_coposters
from bastion.actors.policy import ConductPolicy
from bastion.core import VIOLATING
from bastion.store.actors import PROFILE_FIELDS
from bastion.store.models.actors import ActorCaseRow, ActorRow, RespawnEntryRow, StrikeRow
from bastion.store.models.core import CaseRow
from bastion.store.transaction import Transaction

# What a person's decision on an actor-level case makes of the actor (the platform carries it out).
ACTOR_STATUS = {"remove": "removed", "suspend": "suspended", "restrict": "restricted", "label": "labelled"}
BANKED = {"remove", "suspend"}  # an actor taken off the platform is kept in the respawn bank
_NOUN = {"remove": "removal", "restrict": "restriction"}


def record_decision(
    tx: Transaction,
    case: CaseRow,
    action: str,
    category: str | None,
    decision_id: int,
    now: datetime,
    policy: ConductPolicy,
) -> None:
    """What a first decision means for conduct: an actor's new status, or strikes on the item's actors."""
    about = tx.conduct.actor_case(case.id)
    if about is not None:
        _act_on_actor(tx, about, case, action, now)
        return
    if action not in policy.strike_actions or category is None:
        return
    for actor, _ in tx.actors.of_item(case.platform, case.item_id):
        if action == "remove":
            actor.removed += 1
        strike = StrikeRow(
            actor_id=actor.id,
            case_id=case.id,
            decision_id=decision_id,
            action=action,
            category=category,
            weight=policy.weight(category),
            struck_at=now,
        )
        tx.conduct.add_strike(strike)
        check_thresholds(tx, actor, now, policy)
        check_removed_share(tx, actor, now, policy)
    if action == "remove":
        link_coposters(tx, case.platform, [case.item_id], now, policy)


def record_reversal(tx: Transaction, case: CaseRow, now: datetime) -> None:
    """A decision reversed on appeal: its strikes are revoked, or the actor it acted on is restored."""
    about = tx.conduct.actor_case(case.id)
    if about is not None:
        actor = tx.actors.get(about.actor_id)
        if actor is not None:
            actor.status = "active"
        tx.conduct.withdraw(case.id, now)
        return
    revoked = tx.conduct.revoke_strikes(case.id, now)
    last = tx.cases.last_final_decision(case.id)
    if revoked and last is not None and last.action == "remove":
        for actor, _ in tx.actors.of_item(case.platform, case.item_id):
            actor.removed = max(0, actor.removed - 1)


def conduct_facts(tx: Transaction, actor: ActorRow, now: datetime, policy: ConductPolicy) -> dict[str, Any]:
    """What the conduct policy's CEL thresholds read about an actor: its conduct, never who it is."""
    strikes = tx.conduct.strikes(actor.id, since=now - policy.window)
    return facts_of(actor, strikes, now, policy)


def facts_of(actor: ActorRow, strikes: list[StrikeRow], now: datetime, policy: ConductPolicy) -> dict[str, Any]:
    counts = Counter(s.category for s in strikes if now - s.struck_at < policy.window)
    by_category: dict[str, int] = {c.value: counts.get(c.value, 0) for c in VIOLATING}
    return {
        "points": round(sum(policy.decayed(s.weight, now - s.struck_at) for s in strikes), 4),
        "strikes": {**by_category, "total": sum(counts.values())},
        "actor": {
            "kind": actor.kind,
            "surface": actor.surface or "",
            "items": actor.items,
            "removed": actor.removed,
            "removed_share": actor.removed / actor.items if actor.items else 0.0,
            "age_days": (now - (actor.account_created_at or actor.first_seen)).days,
            "status": actor.status,
        },
    }


def counted(strikes: list[StrikeRow], now: datetime, policy: ConductPolicy) -> list[str]:
    """The evidence as a person reads it: "14 upheld glorification removals in 30 days", most first."""
    counts = Counter((s.category, s.action) for s in strikes if now - s.struck_at < policy.window)
    lines = []
    for (category, action), n in counts.most_common():
        noun = _NOUN.get(action, action)
        lines.append(f"{n} upheld {category} {noun}{'s' if n != 1 else ''} in {policy.window_days} days")
    return lines


def check_thresholds(tx: Transaction, actor: ActorRow, now: datetime, policy: ConductPolicy) -> CaseRow | None:
    """Open (or update) the actor's conduct case when its facts cross a threshold of the policy."""
    if actor.status != "active":
        return None
    strikes = tx.conduct.strikes(actor.id, since=now - policy.window)
    facts = facts_of(actor, strikes, now, policy)
    crossed = policy.fired(facts)
    if not crossed:
        return None
    lines = counted(strikes, now, policy)
    evidence = {
        "summary": f"{'this ' + (actor.surface or 'container') if actor.kind == 'container' else 'this account'}: "
        + "; ".join(lines[:3]),
        "counted": lines,
        "thresholds": [t.name for t in crossed],
        "points": facts["points"],
        "strikes": [s.case_id for s in strikes],
        "policy_version": policy.version,
    }
    categories = sorted({s.category for s in strikes})
    return open_actor_case(
        tx, actor, "conduct", evidence, now, priority=max(t.priority for t in crossed), categories=categories
    )


def _act_on_actor(tx: Transaction, about: ActorCaseRow, case: CaseRow, action: str, now: datetime) -> None:
    actor = tx.actors.get(about.actor_id)
    if actor is None or action not in ACTOR_STATUS:
        return
    actor.status = ACTOR_STATUS[action]
    if action in BANKED:
        profile: dict[str, Any] = {name: getattr(actor, name) for name in PROFILE_FIELDS}
        marks = [list(mark) for mark in tx.actors.marks_of(actor.id)]
        tx.conduct.bank(
            RespawnEntryRow(
                actor_id=actor.id,
                case_id=case.id,
                platform=actor.platform,
                profile=profile,
                marks=marks,
                banked_at=now,
            )
        )
