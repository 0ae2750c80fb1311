"""Symbols of symbol banks, their reference images and the matches they make, as the symbol code sees them.

`bastion.symbols` decides what to change (validation, quarantine, ownership) and audits it; this module only
reads and writes rows, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bastion.store.models.banks import BankRow, BankSubscriptionRow
from bastion.store.models.symbols import SymbolMatchRow, SymbolReferenceRow, SymbolRow

_MAX_ID = 2**31 - 1  # ids are INTEGER: 32 bits on PostgreSQL


@dataclass(frozen=True)
class SymbolMatch:
    """A symbol found in an item: its score and outline (image pixels)."""

    symbol_id: int
    platform: str
    item_id: str
    score: float
    polygon: list[list[float]]


class SymbolRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # Banks that hold symbols

    def banks_with_counts(self, visible_to: str | None = None) -> list[tuple[BankRow, int]]:
        """Symbol banks by name with their number of active symbols: all, or those `visible_to` a platform."""
        active = select(SymbolRow.bank_id, func.count()).where(SymbolRow.state == "active")
        counts = {bank_id: count for bank_id, count in self._session.execute(active.group_by(SymbolRow.bank_id))}
        query = select(BankRow).where(BankRow.holds == "symbols").order_by(BankRow.name)
        if visible_to is not None:
            shared = select(BankSubscriptionRow.bank_id).where(BankSubscriptionRow.platform == visible_to)
            query = query.where((BankRow.owner.is_(None)) | (BankRow.owner == visible_to) | BankRow.id.in_(shared))
        return [(row, counts.get(row.id, 0)) for row in self._session.scalars(query)]

    # Symbols

    def add(
        self,
        bank_id: int,
        label: str,
        labels: list[str],
        source: str | None,
        sensitivity: float,
        actor: str,
        now: datetime,
    ) -> SymbolRow:
        row = SymbolRow(
            bank_id=bank_id,
            label=label,
            labels=labels,
            source=source,
            sensitivity=sensitivity,
            state="active",
            added_by=actor,
            added_at=now,
            updated_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return row

    def add_reference(self, symbol: SymbolRow, image: bytes, features: bytes, sha256: str, now: datetime) -> None:
        self._session.add(
            SymbolReferenceRow(symbol_id=symbol.id, image=image, features=features, sha256=sha256, added_at=now)
        )
        symbol.updated_at = now  # indexes reload the symbol's features
        self._session.flush()

    def get(self, symbol_id: int) -> SymbolRow | None:
        return self._session.get(SymbolRow, symbol_id) if 0 < symbol_id <= _MAX_ID else None

    def of_bank(self, bank_id: int, states: Collection[str] = ("active", "quarantined")) -> list[SymbolRow]:
        query = select(SymbolRow).where(SymbolRow.bank_id == bank_id, SymbolRow.state.in_(states))
        return list(self._session.scalars(query.order_by(SymbolRow.id)))

    def by_label(self, bank_id: int, label: str) -> SymbolRow | None:
        query = select(SymbolRow).where(SymbolRow.bank_id == bank_id, SymbolRow.label == label)
        return self._session.scalar(query.order_by(SymbolRow.id).limit(1))

    def references(self, symbol_ids: Collection[int]) -> dict[int, list[SymbolReferenceRow]]:
        found: dict[int, list[SymbolReferenceRow]] = {}
        query = select(SymbolReferenceRow).where(SymbolReferenceRow.symbol_id.in_(symbol_ids))
        for row in self._session.scalars(query.order_by(SymbolReferenceRow.id)):
            found.setdefault(row.symbol_id, []).append(row)
        return found

    def features(self, symbol_ids: Collection[int]) -> dict[int, list[bytes]]:
        """The reference features of the symbols (not their images): what a matching index loads."""
        found: dict[int, list[bytes]] = {}
        query = select(SymbolReferenceRow.symbol_id, SymbolReferenceRow.features).where(
            SymbolReferenceRow.symbol_id.in_(symbol_ids)
        )
        for symbol_id, blob in self._session.execute(query.order_by(SymbolReferenceRow.id)):
            found.setdefault(symbol_id, []).append(blob)
        return found

    def set_state(self, symbol: SymbolRow, state: str, now: datetime) -> None:
        symbol.state, symbol.updated_at = state, now

    def live(self) -> list[tuple[SymbolRow, BankRow]]:
        """Active symbols of enabled symbol banks, with their bank."""
        query = (
            select(SymbolRow, BankRow)
            .join(BankRow, BankRow.id == SymbolRow.bank_id)
            .where(SymbolRow.state == "active", BankRow.enabled.is_(True), BankRow.holds == "symbols")
            .order_by(SymbolRow.id)
        )
        return [(symbol, bank) for symbol, bank in self._session.execute(query)]

    def marks(self) -> tuple[int, datetime | None, datetime | None]:
        """How many symbols there are, and when a symbol or a bank last changed: an index reloads when these move."""
        count, symbols_changed = self._session.execute(
            select(func.count(SymbolRow.id), func.max(SymbolRow.updated_at))
        ).one()
        banks_changed = self._session.scalar(select(func.max(BankRow.updated_at)))
        return int(count), symbols_changed, banks_changed

    # Matches

    def matched_pairs(self, platform: str, item_ids: Collection[str]) -> set[tuple[int, str]]:
        query = select(SymbolMatchRow.symbol_id, SymbolMatchRow.item_id).where(
            SymbolMatchRow.platform == platform, SymbolMatchRow.item_id.in_(item_ids)
        )
        return {(symbol_id, item_id) for symbol_id, item_id in self._session.execute(query)}

    def add_matches(self, matches: Sequence[SymbolMatch], now: datetime) -> None:
        self._session.add_all(
            SymbolMatchRow(
                symbol_id=m.symbol_id,
                platform=m.platform,
                item_id=m.item_id,
                score=m.score,
                polygon=m.polygon,
                matched_at=now,
            )
            for m in matches
        )
        self._session.flush()

    def match_counts_since(self, since: datetime, more_than: int) -> list[tuple[int, int]]:
        """(symbol id, matches) of active symbols that matched more than `more_than` items from `since` on."""
        query = (
            select(SymbolMatchRow.symbol_id, func.count())
            .join(SymbolRow, SymbolRow.id == SymbolMatchRow.symbol_id)
            .where(SymbolMatchRow.matched_at >= since, SymbolRow.state == "active")
            .group_by(SymbolMatchRow.symbol_id)
            .having(func.count() > more_than)
        )
        return [(symbol_id, count) for symbol_id, count in self._session.execute(query)]

    def matches_of_item(self, platform: str, item_id: str) -> list[SymbolMatchRow]:
        query = select(SymbolMatchRow).where(SymbolMatchRow.platform == platform, SymbolMatchRow.item_id == item_id)
        return list(self._session.scalars(query.order_by(SymbolMatchRow.id)))

    def match(self, match_id: int) -> SymbolMatchRow | None:
        return self._session.get(SymbolMatchRow, match_id) if 0 < match_id <= _MAX_ID else None

    def set_opinion(self, match: SymbolMatchRow, opinion: str, actor: str, now: datetime) -> None:
        match.opinion, match.opinion_by, match.opinion_at = opinion, actor, now

    def opinions(self, symbol_ids: Collection[int]) -> dict[int, tuple[int, int]]:
        """(confirmed, disputed) matches of each symbol that has any."""
        query = (
            select(SymbolMatchRow.symbol_id, SymbolMatchRow.opinion, func.count())
            .where(SymbolMatchRow.symbol_id.in_(symbol_ids), SymbolMatchRow.opinion.is_not(None))
            .group_by(SymbolMatchRow.symbol_id, SymbolMatchRow.opinion)
        )
        found: dict[int, tuple[int, int]] = {}
        for symbol_id, opinion, count in self._session.execute(query):
            confirmed, disputed = found.get(symbol_id, (0, 0))
            found[symbol_id] = (confirmed + count, disputed) if opinion == "confirm" else (confirmed, disputed + count)
        return found
