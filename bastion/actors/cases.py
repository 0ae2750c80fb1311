"""Cases about an actor as a whole (conduct, container, respawn, network), built on the item case machinery.

An actor-level case is the case of the actor's record item, `actor:<actor id>:<reason>` (kind `profile`, its text
the actor's name and bio): the queue, claims, decisions, the webhook outbox and appeals all work on it unchanged,
and the platform reads the actor it is about from the action's `actor` field. One case per actor and reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bastion.core import Action, CaseState, Category, Item, Kind, Signal, Verdict
from bastion.store.models.actors import ActorRow
from bastion.store.models.core import CaseRow
from bastion.store.transaction import Transaction

CONDUCT_VERSION = "1"
_LIVE = {CaseState.OPEN.value, CaseState.ASSIGNED.value}


def record_item_id(actor: ActorRow, reason: str) -> str:
    return f"actor:{actor.id}:{reason}"


def actor_target(actor: ActorRow) -> dict[str, Any]:
    """How an action names the actor it is about, for the platform."""
    return {"platform": actor.platform, "kind": actor.kind, "id": actor.external_id, "surface": actor.surface}


def open_actor_case(
    tx: Transaction,
    actor: ActorRow,
    reason: str,
    evidence: dict[str, Any],
    now: datetime,
    *,
    priority: int,
    categories: list[str],
    verdict: Verdict | None = None,
    linked_case: int | None = None,
) -> CaseRow | None:
    """Queue a case about the actor with the evidence counted; a live one gets the new count. None when its case
    was already decided (a person has judged this actor for this reason; new evidence waits for a new reason)."""
    item_id = record_item_id(actor, reason)
    case = tx.cases.for_item(actor.platform, item_id)
    if case is not None and case.state not in _LIVE:
        return None
    if case is None:
        item = _record_item(actor, item_id, reason, now)
        checked = (verdict or _conduct_verdict(reason, evidence, priority, categories, now)).model_copy(
            update={
                "id": item_id,
                "action": Action.REVIEW,
                "priority": max(priority, verdict.priority if verdict else 0),
            }
        )
        tx.items.record_checked([(item, checked)], actor.platform, now, source=reason)
        case = tx.cases.for_item(actor.platform, item_id)
        assert case is not None
    tx.conduct.attach_case(case.id, actor.id, reason, evidence, linked_case, now)
    tx.audit.append(
        action=f"actor.case.{reason}",
        subject=f"case:{case.id}",
        actor="system",
        payload={"actor": actor_target(actor), "evidence": evidence, "linked_case": linked_case},
    )
    return case


def _record_item(actor: ActorRow, item_id: str, reason: str, now: datetime) -> Item:
    text = "\n".join(part for part in (actor.name, actor.bio) if part) or f"{actor.kind} {actor.external_id}"
    return Item(
        id=item_id,
        kind=Kind.PROFILE,
        text=text,
        author=actor.external_id if actor.kind == "account" else None,
        surface=actor.surface,
        created_at=now,
        metadata={"actor": actor_target(actor), "reason": reason},
    )


def _conduct_verdict(
    reason: str, evidence: dict[str, Any], priority: int, categories: list[str], now: datetime
) -> Verdict:
    violating = [Category(c) for c in categories if Category(c).is_violating]
    signal = Signal(
        detector="conduct",
        version=CONDUCT_VERSION,
        category=violating[0] if violating else Category.BENIGN,
        score=1.0,
        evidence={"reason": reason, **evidence},
    )
    return Verdict(
        id="",
        action=Action.REVIEW,
        score=1.0,
        categories=violating,
        priority=priority,
        signals=[signal],
        decided_at=now,
    )
