"""Networks: accounts that posted the same removed media or links within a short window are linked, and a cluster
of linked accounts can be reviewed as one case. Co-behaviour on content Bastion judged: both items must stand
removed, so sharing a popular link or a news photo links nobody."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from bastion.actors.cases import open_actor_case
from bastion.actors.policy import ConductPolicy
from bastion.store.models.actors import PostedMarkRow
from bastion.store.models.core import CaseRow
from bastion.store.transaction import Transaction

_MAX_POSTERS = 500  # of one mark in one window: beyond this it is a viral item, not a network


def link_coposters(
    tx: Transaction, platform: str, item_ids: Sequence[str], now: datetime, policy: ConductPolicy
) -> int:
    """Link the posters of these items with the accounts that posted the same media or link within the window,
    where both items stand removed; how many new links."""
    own = tx.actors.item_marks_rows(platform, item_ids)
    if not own:
        return 0
    window = timedelta(minutes=policy.network.window_minutes)
    earliest = min(row.posted_at for row in own) - window
    groups: dict[tuple[str, str], list[PostedMarkRow]] = defaultdict(list)
    for row in tx.actors.posters_of(platform, sorted({(r.kind, r.value) for r in own}), earliest):
        groups[(row.kind, row.value)].append(row)
    removed = tx.actors.removed_items(platform, {row.item_id for group in groups.values() for row in group})
    new = 0
    for row in own:
        if row.item_id not in removed:
            continue
        for other in groups[(row.kind, row.value)][:_MAX_POSTERS]:
            close = abs(other.posted_at - row.posted_at) <= window
            if other.actor_id != row.actor_id and other.item_id in removed and close:
                new += tx.conduct.link(row.actor_id, other.actor_id, [f"{row.kind}:{row.value}"], now)
    return new


def open_cluster_case(
    tx: Transaction, actor_id: int, now: datetime, policy: ConductPolicy, opened_by: str
) -> CaseRow | None:
    """One case for the whole cluster an account belongs to, with its members and what they shared; None when the
    account is linked to nobody or the cluster's case was already decided."""
    actor = tx.actors.get(actor_id)
    members, links = tx.conduct.cluster(actor_id, policy.network.min_shared)
    if actor is None or not members:
        return None
    shared = sorted({mark for link in links for mark in link.shared})
    window = policy.network.window_minutes
    evidence = {
        "summary": f"{len(members)} accounts posted the same removed media or links within {window} minutes",
        "counted": [f"{len(shared)} removed media or links shared", *shared[:10]],
        "members": [m.external_id for m in members],
        "member_ids": [m.id for m in members],
        "opened_by": opened_by,
        "policy_version": policy.version,
    }
    categories = sorted({s.category for m in members for s in tx.conduct.strikes(m.id, live_only=False)})
    return open_actor_case(tx, actor, "network", evidence, now, priority=30, categories=categories)
