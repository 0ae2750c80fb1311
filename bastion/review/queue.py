"""The moderator's queue: which cases a person may see and work, in which order, and what each already had done.

Cases removed automatically (an exact hash match) stay in the queue for a
person to confirm, labelled with what was done and by which rule, so nobody
takes them for "open, no decision yet".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from bastion.core import CaseState
from bastion.review.accounts import APPEAL_PERMISSIONS, ESCALATION_PERMISSIONS, Permission, Role, can
from bastion.review.automatic import AutomaticAction, automatic_action
from bastion.review.states import QUEUE_STATES, state_of
from bastion.store.models.core import CaseRow, ItemRow
from bastion.store.models.review import UserRow
from bastion.store.transaction import Transaction


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

    @cached_property
    def automatic(self) -> AutomaticAction | None:
        """What Bastion did to the item before any person looked (an automatic removal), if anything."""
        return automatic_action(self.verdict)


def queue(tx: Transaction, user: UserRow, filters: QueueFilter, now: datetime, limit: int = 200) -> list[QueueEntry]:
    """Open cases this user may work, legal orders first, then by priority, deadline and age."""
    older = filters.older_than_hours
    rows = tx.cases.in_queue_order(
        sorted(QUEUE_STATES),
        not_appealed_against=user.username,  # appeals against a decision of theirs go to someone else
        lang=filters.lang,
        source=filters.source,
        opened_before=None if older is None else now - timedelta(hours=older),
        batch=limit * 5,
    )
    # Streamed in queue order until `limit` pass: a filter that matches only deep in a long
    # backlog still finds its cases, and a short page reads no more rows than it needs.
    found: list[QueueEntry] = []
    for case, item, body in rows:
        entry = QueueEntry(case, item, body)
        if may_see(case, user) and _matches(entry, filters):
            found.append(entry)
            if len(found) == limit:
                break
    rows.close()
    return found


def may_see(case: CaseRow, user: UserRow) -> bool:
    """Whether this user may see the case, in the queue and on its page: appeals and escalations only for the
    roles that may decide them (and auditors), everything else for every role with a queue."""
    needed = needed_to_work(case)
    if needed == (Permission.DECIDE,):
        return can(user.role, Permission.VIEW_QUEUE)
    return any(can(user.role, permission) for permission in needed) or can(user.role, Permission.VIEW_AUDIT)


def may_work(case: CaseRow, user: UserRow) -> bool:
    """Whether this user's role may claim and decide the case as it stands."""
    return any(can(user.role, permission) for permission in needed_to_work(case))


def needed_to_work(case: CaseRow) -> tuple[Permission, ...]:
    """The permissions, any one of which lets a role claim and decide the case: its escalation's, or for an
    appeal those of the tier of the decision it contests or a higher one (recorded in `escalated_to`)."""
    if state_of(case) is CaseState.APPEALED:
        return APPEAL_PERMISSIONS[case.escalated_to]
    return ESCALATION_PERMISSIONS[case.escalated_to]


def refusal(case: CaseRow) -> str:
    """Why a role may not work the case, naming the roles that may."""
    needed = needed_to_work(case)
    roles = [role.label for role in Role if any(can(role, permission) for permission in needed)]
    return f"your role cannot work this case: it needs the role {', '.join(roles)}"


def _matches(entry: QueueEntry, f: QueueFilter) -> bool:
    return (
        (not f.category or f.category in entry.case.categories)
        and (not f.bank or f.bank in entry.banks)
        and (not f.rule or f.rule in entry.rules)
    )
