"""Actors as stored: accounts and containers, the items they posted, their profiles over time, and the page's view.

An actor is the triple (platform, kind, external id), like an item is the pair (platform, id). Recording is
batched like items (one read of the batch's actors, one of their posts) because every checked item passes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select, tuple_
from sqlalchemy.orm import Session

from bastion.store.dialect import name_of, upsert_insert
from bastion.store.models.actors import ActorPostRow, ActorProfileRow, ActorRow, PostedMarkRow
from bastion.store.models.core import CaseRow, ItemRow, VerdictRow
from bastion.store.models.review import DecisionRow, ReportRow

PROFILE_FIELDS = ("name", "handle", "bio", "avatar_pdq", "banner_pdq")
_PAGE_ITEMS = 100
_LAST_SEEN_STEP = timedelta(minutes=1)  # "last seen" to the minute: an active actor is not rewritten every batch


@dataclass(frozen=True)
class SeenActor:
    """One actor as one item shows it (built by `bastion.actors.records`)."""

    kind: str
    external_id: str
    item_id: str
    role: str
    posted_at: datetime
    surface: str | None = None
    profile: dict[str, Any] | None = None  # PROFILE_FIELDS, when the item shows a profile
    account_created_at: datetime | None = None
    marks: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ProfileChange:
    """An actor whose profile is new or changed in this batch, with what it showed before (None: never seen)."""

    actor: ActorRow
    before: dict[str, Any] | None


@dataclass(frozen=True)
class PostedItem:
    item: ItemRow
    role: str
    action: str | None  # the verdict's action
    case: CaseRow | None
    decision: str | None  # the last decision on its case


class ActorRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, platform: str, seen: Sequence[SeenActor], now: datetime) -> list[ProfileChange]:
        """Create or update the actors these items show, their posts, marks and profile snapshots."""
        if not seen:
            return []
        actors = self._actors_for(platform, seen, now)
        fresh = self._new_posts(platform, seen, actors)
        changes: dict[int, ProfileChange] = {}
        for one in seen:
            actor = actors[(one.kind, one.external_id)]
            if now - actor.last_seen >= _LAST_SEEN_STEP:
                actor.last_seen = now
            if one.surface and actor.surface != one.surface:
                actor.surface = one.surface
            if one.account_created_at and actor.account_created_at is None:
                actor.account_created_at = one.account_created_at
            if (actor.id, one.item_id) in fresh:
                actor.items += 1
            if one.profile is not None and _differs(actor, one.profile):
                before = _profile_of(actor) if _has_profile(actor) else None
                changes.setdefault(actor.id, ProfileChange(actor, before))
                self._snapshot(actor, one, now)
        self._mark(platform, seen, actors)
        self._session.flush()
        return list(changes.values())

    def get(self, actor_id: int) -> ActorRow | None:
        return self._session.get(ActorRow, actor_id)

    def find(self, platform: str, kind: str, external_id: str) -> ActorRow | None:
        return self._session.scalar(
            select(ActorRow).where(
                ActorRow.platform == platform, ActorRow.kind == kind, ActorRow.external_id == external_id
            )
        )

    def of_item(self, platform: str, item_id: str) -> list[tuple[ActorRow, str]]:
        """The actors an item belongs to, with their role (author, container)."""
        rows = self._session.execute(
            select(ActorRow, ActorPostRow.role)
            .join(ActorPostRow, ActorPostRow.actor_id == ActorRow.id)
            .where(ActorPostRow.platform == platform, ActorPostRow.item_id == item_id)
        )
        return [(actor, role) for actor, role in rows]

    def profiles(self, actor_id: int) -> list[ActorProfileRow]:
        """The actor's profile snapshots, oldest first."""
        query = select(ActorProfileRow).where(ActorProfileRow.actor_id == actor_id).order_by(ActorProfileRow.id)
        return list(self._session.scalars(query))

    def posted(self, actor_id: int, limit: int = _PAGE_ITEMS) -> list[PostedItem]:
        """The actor's items, newest first, with their verdict's action, case and last decision."""
        last_decision = (
            select(DecisionRow.action)
            .where(DecisionRow.case_id == CaseRow.id)
            .order_by(DecisionRow.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        rows = self._session.execute(
            select(ItemRow, ActorPostRow.role, VerdictRow.action, CaseRow, last_decision)
            .join(ActorPostRow, and_(ActorPostRow.platform == ItemRow.platform, ActorPostRow.item_id == ItemRow.id))
            .outerjoin(VerdictRow, and_(VerdictRow.platform == ItemRow.platform, VerdictRow.item_id == ItemRow.id))
            .outerjoin(CaseRow, and_(CaseRow.platform == ItemRow.platform, CaseRow.item_id == ItemRow.id))
            .where(ActorPostRow.actor_id == actor_id)
            .order_by(ActorPostRow.posted_at.desc(), ItemRow.id)
            .limit(limit)
        )
        return [PostedItem(item, role, action, case, decision) for item, role, action, case, decision in rows]

    def reports_against(self, actor: ActorRow, limit: int = _PAGE_ITEMS) -> list[ReportRow]:
        """Users' reports on the actor's items (an account's as their author, a container's as posted in it)."""
        items = select(ActorPostRow.item_id).where(ActorPostRow.actor_id == actor.id)
        query = (
            select(ReportRow)
            .where(ReportRow.platform == actor.platform, ReportRow.item_id.in_(items))
            .order_by(ReportRow.reported_at.desc())
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def posters_of(self, platform: str, marks: Sequence[tuple[str, str]], since: datetime) -> list[PostedMarkRow]:
        """Who posted any of these media hashes or links since `since` (oldest first)."""
        if not marks:
            return []
        query = (
            select(PostedMarkRow)
            .where(
                PostedMarkRow.platform == platform,
                tuple_(PostedMarkRow.kind, PostedMarkRow.value).in_(list(marks)),
                PostedMarkRow.posted_at >= since,
            )
            .order_by(PostedMarkRow.posted_at, PostedMarkRow.id)
        )
        return list(self._session.scalars(query))

    def posters_count(self, platform: str, mark: tuple[str, str]) -> int:
        """How many accounts posted this media hash or link (or show this avatar or banner)."""
        kind, value = mark
        if kind in ("avatar", "banner"):
            column = ActorRow.avatar_pdq if kind == "avatar" else ActorRow.banner_pdq
            return int(
                self._session.scalar(select(func.count()).where(ActorRow.platform == platform, column == value)) or 0
            )
        query = select(func.count(func.distinct(PostedMarkRow.actor_id))).where(
            PostedMarkRow.platform == platform, PostedMarkRow.kind == kind, PostedMarkRow.value == value
        )
        return int(self._session.scalar(query) or 0)

    def item_marks_rows(self, platform: str, item_ids: Sequence[str]) -> list[PostedMarkRow]:
        """The media hashes and links these items carried, with who posted them when."""
        query = select(PostedMarkRow).where(PostedMarkRow.platform == platform, PostedMarkRow.item_id.in_(item_ids))
        return list(self._session.scalars(query))

    def removed_items(self, platform: str, item_ids: set[str]) -> set[str]:
        """Which of these items stand removed: removed when checked (a known-content match), or by a person's
        decision that no appeal reversed."""
        if not item_ids:
            return set()
        ids = list(item_ids)
        removed = set(
            self._session.scalars(
                select(VerdictRow.item_id).where(
                    VerdictRow.platform == platform, VerdictRow.item_id.in_(ids), VerdictRow.action == "remove"
                )
            )
        )
        decided = self._session.execute(
            select(DecisionRow.item_id, DecisionRow.action)
            .where(
                DecisionRow.platform == platform,
                DecisionRow.item_id.in_(ids),
                DecisionRow.action.in_(["remove", "no_violation", "reversed"]),
            )
            .order_by(DecisionRow.id)
        )
        for item_id, action in decided:  # the last word on each item stands
            if action == "remove":
                removed.add(item_id)
            else:
                removed.discard(item_id)
        return removed

    def marks_of(self, actor_id: int) -> list[tuple[str, str]]:
        rows = self._session.execute(
            select(PostedMarkRow.kind, PostedMarkRow.value).where(PostedMarkRow.actor_id == actor_id).distinct()
        )
        return sorted((kind, value) for kind, value in rows)

    def _actors_for(self, platform: str, seen: Sequence[SeenActor], now: datetime) -> dict[tuple[str, str], ActorRow]:
        keys = {(one.kind, one.external_id) for one in seen}
        query = select(ActorRow).where(
            ActorRow.platform == platform,
            ActorRow.external_id.in_({ext for _, ext in keys}),
            ActorRow.kind.in_({kind for kind, _ in keys}),
        )
        actors = {(a.kind, a.external_id): a for a in self._session.scalars(query)}
        missing = sorted(keys - actors.keys())
        if missing:  # one multi-row INSERT, then one read: the ORM would insert them one by one
            rows = [_new_actor(platform, kind, external_id, now) for kind, external_id in missing]
            self._session.execute(insert(ActorRow), rows)
            actors |= {(a.kind, a.external_id): a for a in self._session.scalars(query)}
        return actors

    def _new_posts(
        self, platform: str, seen: Sequence[SeenActor], actors: dict[tuple[str, str], ActorRow]
    ) -> set[tuple[int, str]]:
        """Insert the posts not yet recorded (a re-checked item is not a second post); which ones were new."""
        wanted = {(actors[(s.kind, s.external_id)].id, s.item_id): s for s in seen}
        existing = set(
            self._session.execute(
                select(ActorPostRow.actor_id, ActorPostRow.item_id).where(
                    ActorPostRow.platform == platform,
                    ActorPostRow.actor_id.in_({a for a, _ in wanted}),
                    ActorPostRow.item_id.in_({i for _, i in wanted}),
                )
            ).all()
        )
        fresh = {key: s for key, s in wanted.items() if key not in existing}
        if fresh:
            rows = [
                {"actor_id": a, "platform": platform, "item_id": i, "role": s.role, "posted_at": s.posted_at}
                for (a, i), s in fresh.items()
            ]
            self._session.execute(insert(ActorPostRow), rows)
        return set(fresh)

    def _snapshot(self, actor: ActorRow, one: SeenActor, now: datetime) -> None:
        assert one.profile is not None
        for name in PROFILE_FIELDS:
            setattr(actor, name, one.profile.get(name) or ("" if name in ("name", "handle", "bio") else None))
        self._session.add(ActorProfileRow(actor_id=actor.id, item_id=one.item_id, seen_at=now, **_profile_of(actor)))

    def _mark(self, platform: str, seen: Sequence[SeenActor], actors: dict[tuple[str, str], ActorRow]) -> None:
        rows = [
            {
                "platform": platform,
                "item_id": one.item_id,
                "actor_id": actors[(one.kind, one.external_id)].id,
                "kind": kind,
                "value": value,
                "posted_at": one.posted_at,
            }
            for one in seen
            for kind, value in one.marks
        ]
        if rows:
            statement = upsert_insert(name_of(self._session))(PostedMarkRow.__table__)
            keys = ["platform", "item_id", "kind", "value"]
            self._session.execute(statement.on_conflict_do_nothing(index_elements=keys), rows)


def _profile_of(actor: ActorRow) -> dict[str, Any]:
    return {name: getattr(actor, name) for name in PROFILE_FIELDS}


def _has_profile(actor: ActorRow) -> bool:
    return any(getattr(actor, name) for name in PROFILE_FIELDS)


def _differs(actor: ActorRow, profile: dict[str, Any]) -> bool:
    current = _profile_of(actor)
    return any((profile.get(name) or None) != (current[name] or None) for name in PROFILE_FIELDS)


def _new_actor(platform: str, kind: str, external_id: str, now: datetime) -> dict[str, Any]:
    return {
        "platform": platform,
        "kind": kind,
        "external_id": external_id,
        "name": "",
        "handle": "",
        "bio": "",
        "first_seen": now,
        "last_seen": now,
        "items": 0,
        "removed": 0,
        "status": "active",
    }
