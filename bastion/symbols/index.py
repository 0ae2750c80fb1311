"""The symbols this process matches: reference features loaded once from the database, reloaded when a symbol
or a bank changes, and matched against an image's features with the allow banks' vetoes applied.

Features were computed when each reference was added (`symbols.registry`); loading them is a read of bytes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from bastion.banks.entries import applies_to
from bastion.store.banks import qualified_name
from bastion.store.db import Database
from bastion.store.transaction import Transaction
from bastion.symbols.engine import Match, Reference, describe_query, find

# A look-alike vetoes a match when their outlines share this much of the smaller one's area (and it fits at least
# as well: a look-alike close to the symbol also matches the symbol itself, less well than the symbol does).
_VETO_OVERLAP = 0.5


@dataclass(frozen=True)
class LoadedSymbol:
    id: int
    label: str
    labels: list[str]
    source: str | None
    sensitivity: float
    bank: str  # as operators name it: `<platform>/<name>` or the bare name
    owner: str | None
    subscribers: frozenset[str]
    benign: bool
    category: str
    references: tuple[Reference, ...]

    @property
    def min_score(self) -> float:
        return round(1.0 - self.sensitivity, 4)


@dataclass(frozen=True)
class Found:
    """A symbol found in an image: which, where, how well."""

    symbol: LoadedSymbol
    match: Match

    def as_evidence(self) -> dict[str, Any]:
        return {
            "symbol_id": self.symbol.id,
            "label": self.symbol.label,
            "labels": self.symbol.labels,
            "bank": self.symbol.bank,
            "source": self.symbol.source,
            "score": self.match.score,
            "polygon": [list(point) for point in self.match.polygon],
        }


@dataclass(frozen=True)
class Findings:
    matches: list[Found]  # the violating symbols found and not vetoed, best first
    vetoed: list[tuple[Found, Found]]  # (match, the look-alike that vetoed it)


class SymbolIndex:
    def __init__(self, db: Database, refresh_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._marks: object = None
        self._symbols: list[LoadedSymbol] = []

    def symbols(self) -> list[LoadedSymbol]:
        """The live symbols, reloaded when the database says something changed (checked every few seconds)."""
        with self._lock:
            now = self._clock()
            if self._checked_at is None or now - self._checked_at >= self._refresh_seconds:
                self._checked_at = now
                with self._db.snapshot() as tx:
                    marks = tx.symbols.marks()
                    if marks != self._marks:
                        self._symbols, self._marks = _load(tx), marks
            return self._symbols

    def find(self, image: np.ndarray, platform: str | None) -> Findings:
        """The symbols that apply to `platform` found in the image (BGR or grey pixels)."""
        symbols = [s for s in self.symbols() if applies_to(s.owner, s.subscribers, platform)]
        if not symbols:
            return Findings([], [])
        query = describe_query(image)
        found = []
        for symbol in symbols:
            best = max(
                (m for m in (find(ref, query) for ref in symbol.references) if m is not None),
                key=lambda m: m.score,
                default=None,
            )
            if best is not None and best.score >= symbol.min_score:
                found.append(Found(symbol, best))
        allowed = [f for f in found if f.symbol.benign]
        matches, vetoed = [], []
        for candidate in sorted((f for f in found if not f.symbol.benign), key=lambda f: -f.match.score):
            veto = next((a for a in allowed if _vetoes(a, candidate)), None)
            if veto is None:
                matches.append(candidate)
            else:
                vetoed.append((candidate, veto))
        return Findings(matches, vetoed)


def _load(tx: Transaction) -> list[LoadedSymbol]:
    live = tx.symbols.live()
    features = tx.symbols.features([symbol.id for symbol, _ in live])
    subscribers = tx.banks.subscribers()
    return [
        LoadedSymbol(
            id=symbol.id,
            label=symbol.label,
            labels=list(symbol.labels),
            source=symbol.source,
            sensitivity=symbol.sensitivity,
            bank=qualified_name(bank.owner, bank.name),
            owner=bank.owner,
            subscribers=frozenset(subscribers.get(bank.id, set())),
            benign=bank.benign,
            category=bank.category,
            references=tuple(Reference.from_bytes(blob) for blob in features.get(symbol.id, [])),
        )
        for symbol, bank in live
        if features.get(symbol.id)
    ]


def _vetoes(look_alike: Found, match: Found) -> bool:
    """Whether the allowed look-alike explains the match: found on the same spot, by at least as many features."""
    same_spot = _overlap(look_alike.match.polygon, match.match.polygon) >= _VETO_OVERLAP
    return same_spot and look_alike.match.inliers >= match.match.inliers


def _overlap(first: list[tuple[float, float]], second: list[tuple[float, float]]) -> float:
    """The area the two convex outlines share, as a share of the smaller one's."""
    a, b = np.array(first, np.float32), np.array(second, np.float32)
    shared, _ = cv2.intersectConvexConvex(a, b)
    smaller = min(cv2.contourArea(a), cv2.contourArea(b))
    return float(shared) / smaller if smaller > 0 else 0.0
