"""Keeping actors up to date as items are recorded: called by the Service inside the items' own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from bastion.actors.containers import queue_flagged_containers
from bastion.actors.networks import link_coposters
from bastion.actors.policy import ConductPolicy
from bastion.actors.respawn import watch_respawns
from bastion.actors.sightings import marks_of, sightings_of
from bastion.core import Action, Item, Verdict
from bastion.store.actors import ProfileChange, SeenActor
from bastion.store.transaction import Transaction


def record_actors(
    tx: Transaction, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime
) -> list[ProfileChange]:
    """Create or update the authors and containers of these items; the profiles that are new or changed."""
    seen = [
        SeenActor(
            kind=s.kind,
            external_id=s.external_id,
            item_id=s.item_id,
            role=s.role,
            posted_at=item.created_at or now,
            surface=s.surface,
            profile=asdict(s.profile) if s.profile is not None else None,
            account_created_at=s.account_created_at,
            marks=s.marks,
        )
        for item, verdict in checked
        for s in sightings_of(item, verdict)
    ]
    return tx.actors.record(platform, seen, now)


def watch_conduct(
    tx: Transaction,
    platform: str,
    checked: Sequence[tuple[Item, Verdict]],
    changes: list[ProfileChange],
    containers: Sequence[Verdict],
    now: datetime,
    policy: ConductPolicy,
) -> None:
    """What recording these items may queue or link: containers whose own text is flagged, possible respawns, and
    co-posters of the items a known-content match removed on arrival."""
    queue_flagged_containers(tx, platform, containers, now, policy)
    marked = [(item, verdict) for item, verdict in checked if item.author and marks_of(item, verdict)]
    watch_respawns(tx, platform, changes, {item.author for item, _ in marked if item.author}, now, policy)
    removed_now = [item.id for item, verdict in marked if verdict.action is Action.REMOVE]  # known-content matches
    if removed_now:
        link_coposters(tx, platform, removed_now, now, policy)
