"""Conduct as stored: strikes, cases about actors, the respawn bank of removed actors, and co-posting links.

What counts as a strike, when a case opens and what matches a respawn is `bastion.actors`'s; this module only
keeps and finds the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bastion.store.models.actors import ActorCaseRow, ActorLinkRow, ActorRow, RespawnEntryRow, StrikeRow
from bastion.store.models.core import CaseRow

_CLUSTER_LIMIT = 200


class ConductRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def attach_case(
        self, case_id: int, actor_id: int, reason: str, evidence: dict[str, Any], linked: int | None, now: datetime
    ) -> ActorCaseRow:
        """Say which actor a case is about and why; a case opened again for the same reason gets the new count."""
        row = self._session.get(ActorCaseRow, case_id)
        if row is None:
            row = ActorCaseRow(
                case_id=case_id,
                actor_id=actor_id,
                reason=reason,
                evidence=evidence,
                linked_case_id=linked,
                opened_at=now,
            )
            self._session.add(row)
        else:
            row.evidence = evidence
        self._session.flush()
        return row

    def actor_case(self, case_id: int) -> ActorCaseRow | None:
        return self._session.get(ActorCaseRow, case_id)

    def cases_about(self, actor_id: int) -> list[tuple[ActorCaseRow, CaseRow]]:
        """Cases about the actor as a whole, newest first."""
        rows = self._session.execute(
            select(ActorCaseRow, CaseRow)
            .join(CaseRow, CaseRow.id == ActorCaseRow.case_id)
            .where(ActorCaseRow.actor_id == actor_id)
            .order_by(ActorCaseRow.opened_at.desc())
        )
        return [(about, case) for about, case in rows]

    def add_strike(self, strike: StrikeRow) -> StrikeRow:
        self._session.add(strike)
        self._session.flush()
        return strike

    def revoke_strikes(self, case_id: int, now: datetime) -> int:
        """Revoke the live strikes a case's decision gave (its decision was reversed); how many."""
        result = self._session.execute(
            update(StrikeRow)
            .where(StrikeRow.case_id == case_id, StrikeRow.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def strikes(self, actor_id: int, since: datetime | None = None, live_only: bool = True) -> list[StrikeRow]:
        """The actor's strikes (since `since`), oldest first."""
        query = select(StrikeRow).where(StrikeRow.actor_id == actor_id).order_by(StrikeRow.struck_at, StrikeRow.id)
        if since is not None:
            query = query.where(StrikeRow.struck_at >= since)
        if live_only:
            query = query.where(StrikeRow.revoked_at.is_(None))
        return list(self._session.scalars(query))

    def struck_actors(self, since: datetime) -> list[int]:
        """Actors with a live strike since `since` (what a conduct backtest replays)."""
        query = select(StrikeRow.actor_id).where(StrikeRow.struck_at >= since, StrikeRow.revoked_at.is_(None))
        return sorted(set(self._session.scalars(query)))

    def bank(self, entry: RespawnEntryRow) -> RespawnEntryRow:
        self._session.add(entry)
        self._session.flush()
        return entry

    def withdraw(self, case_id: int, now: datetime) -> None:
        """Take a removal's fingerprints out of the respawn bank (the removal was reversed)."""
        self._session.execute(
            update(RespawnEntryRow)
            .where(RespawnEntryRow.case_id == case_id, RespawnEntryRow.withdrawn_at.is_(None))
            .values(withdrawn_at=now)
            .execution_options(synchronize_session="fetch")
        )

    def respawn_bank(self, platform: str) -> list[RespawnEntryRow]:
        """The platform's banked fingerprints of removed actors still in force."""
        query = select(RespawnEntryRow).where(
            RespawnEntryRow.platform == platform, RespawnEntryRow.withdrawn_at.is_(None)
        )
        return list(self._session.scalars(query.order_by(RespawnEntryRow.id)))

    def link(self, a: int, b: int, shared: list[str], now: datetime) -> bool:
        """Link two accounts that co-posted; whether the link is new (an existing one gains what they shared)."""
        low, high = min(a, b), max(a, b)
        row = self._session.get(ActorLinkRow, {"actor_a": low, "actor_b": high})
        if row is None:
            self._session.add(ActorLinkRow(actor_a=low, actor_b=high, shared=sorted(set(shared)), linked_at=now))
            self._session.flush()
            return True
        merged = sorted(set(row.shared) | set(shared))
        if merged != row.shared:
            row.shared = merged
        return False

    def cluster(self, actor_id: int, min_shared: int = 1) -> tuple[list[ActorRow], list[ActorLinkRow]]:
        """The accounts linked to this one, directly or through others (at most a bounded number), by links that
        share at least `min_shared` media or links, and those links."""
        members, links, frontier = {actor_id}, {}, {actor_id}
        while frontier and len(members) < _CLUSTER_LIMIT:
            found = list(
                self._session.scalars(
                    select(ActorLinkRow).where(
                        or_(ActorLinkRow.actor_a.in_(frontier), ActorLinkRow.actor_b.in_(frontier))
                    )
                )
            )
            found = [link for link in found if len(link.shared) >= min_shared]
            for link in found:
                links[(link.actor_a, link.actor_b)] = link
            reached = {end for link in found for end in (link.actor_a, link.actor_b)}
            frontier = reached - members
            members |= reached
        if len(members) == 1:
            return [], []
        actors = list(self._session.scalars(select(ActorRow).where(ActorRow.id.in_(members)).order_by(ActorRow.id)))
        return actors, list(links.values())
