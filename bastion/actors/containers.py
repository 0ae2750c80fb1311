"""Containers with a purpose: a page, group, channel or room whose own name or description is TVEC (the text
detectors run on them as on any post), or whose share of removed items crosses the policy's threshold, is queued
as one container case with the evidence counted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bastion.actors.cases import open_actor_case
from bastion.actors.policy import ConductPolicy
from bastion.actors.sightings import CONTAINER
from bastion.core import Action, Item, Kind, Verdict, container_problem
from bastion.store.models.actors import ActorRow
from bastion.store.models.core import CaseRow
from bastion.store.transaction import Transaction

_REMEMBERED = 50_000  # container texts a process remembers having checked


class ContainerTexts:
    """Which container names and descriptions this process has checked: each text is judged once, not per post."""

    def __init__(self) -> None:
        self._checked: set[tuple[str, str, str]] = set()

    def unchecked(self, items: Sequence[Item], platform: str) -> list[Item]:
        """A profile item for each container name and description not yet judged (its id is the container's)."""
        fresh: dict[str, Item] = {}
        for item in items:
            raw = item.metadata.get("container")
            if raw is None or container_problem(raw):
                continue
            text = "\n".join(part for part in (raw.get("name", ""), raw.get("description", "")) if part)
            key = (platform, raw["id"], text)
            if text and key not in self._checked:
                if len(self._checked) >= _REMEMBERED:
                    self._checked.clear()
                self._checked.add(key)
                fresh[raw["id"]] = Item(id=raw["id"], kind=Kind.PROFILE, text=text, surface=item.surface)
        return list(fresh.values())


def queue_flagged_containers(
    tx: Transaction, platform: str, verdicts: Sequence[Verdict], now: datetime, policy: ConductPolicy
) -> list[CaseRow]:
    """Open a container case for each container whose own text the detectors flagged (verdict ids are its id)."""
    opened = []
    for verdict in verdicts:
        if verdict.action is Action.ALLOW:
            continue
        actor = tx.actors.find(platform, CONTAINER, verdict.id)
        if actor is None:
            continue
        categories = [c.value for c in verdict.categories]
        evidence = {
            "summary": f"its own name or description is flagged ({', '.join(categories) or 'review'})",
            "counted": [f"{s.detector}: {s.category.value} {s.score:.2f}" for s in verdict.signals if s.is_tvec],
            "policy_version": policy.version,
        }
        case = open_actor_case(
            tx,
            actor,
            "container",
            evidence,
            now,
            priority=max(policy.container.priority, verdict.priority),
            categories=categories,
            verdict=verdict,
        )
        if case is not None:
            opened.append(case)
    return opened


def check_removed_share(tx: Transaction, actor: ActorRow, now: datetime, policy: ConductPolicy) -> CaseRow | None:
    """Queue a container whose share of removed items crossed the policy's threshold (from `min_items` items)."""
    rule = policy.container
    if actor.kind != CONTAINER or actor.status != "active" or actor.items < rule.min_items:
        return None
    share = actor.removed / actor.items
    if share < rule.removed_share:
        return None
    line = f"{actor.removed} of {actor.items} items removed ({share:.0%}, threshold {rule.removed_share:.0%})"
    evidence = {"summary": line, "counted": [line], "policy_version": policy.version}
    categories = sorted({s.category for s in tx.conduct.strikes(actor.id)})
    return open_actor_case(tx, actor, "container", evidence, now, priority=rule.priority, categories=categories)
