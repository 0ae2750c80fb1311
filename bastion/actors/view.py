"""Everything the actor page shows, read in one snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bastion.store.actors import PostedItem
from bastion.store.models.actors import ActorCaseRow, ActorLinkRow, ActorProfileRow, ActorRow, StrikeRow
from bastion.store.models.core import CaseRow
from bastion.store.models.review import ReportRow
from bastion.store.transaction import Transaction


@dataclass(frozen=True)
class ActorView:
    actor: ActorRow
    profiles: list[ActorProfileRow]
    posted: list[PostedItem]
    cases: list[tuple[ActorCaseRow, CaseRow]]
    reports: list[ReportRow]
    strikes: list[StrikeRow] = field(default_factory=list)  # live and revoked, oldest first
    cluster: list[ActorRow] = field(default_factory=list)
    links: list[ActorLinkRow] = field(default_factory=list)


def actor_page_view(tx: Transaction, actor_id: int, now: datetime, min_shared: int = 1) -> ActorView | None:
    actor = tx.actors.get(actor_id)
    if actor is None:
        return None
    cluster, links = tx.conduct.cluster(actor_id, min_shared)
    return ActorView(
        actor=actor,
        profiles=tx.actors.profiles(actor_id),
        posted=tx.actors.posted(actor_id),
        cases=tx.conduct.cases_about(actor_id),
        reports=tx.actors.reports_against(actor),
        strikes=tx.conduct.strikes(actor_id, live_only=False),
        cluster=cluster,
        links=links,
    )
