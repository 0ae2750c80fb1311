"""After a symbol match: it is recorded (what moderators confirm or dispute, what the alarm counts), and a
symbol that matches too much is quarantined, as an over-matching hash is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bastion.core import Item, Verdict
from bastion.store.symbols import SymbolMatch
from bastion.store.transaction import Transaction
from bastion.symbols.registry import set_symbol_state


def record_symbol_matches(
    tx: Transaction, checked: Sequence[tuple[Item, Verdict]], platform: str, now: datetime
) -> None:
    """One row per (symbol, item): re-checking an item never counts its match twice."""
    found = {
        (int(match["symbol_id"]), item.id): match
        for item, verdict in checked
        for signal in verdict.signals
        if signal.detector == "symbols"
        for match in signal.evidence.get("matches") or []
    }
    if not found:
        return
    known = tx.symbols.matched_pairs(platform, {item_id for _, item_id in found})
    tx.symbols.add_matches(
        [
            SymbolMatch(symbol_id, platform, item_id, float(match["score"]), match["polygon"])
            for (symbol_id, item_id), match in found.items()
            if (symbol_id, item_id) not in known
        ],
        now,
    )


def quarantine_overmatching_symbols(tx: Transaction, now: datetime, per_hour: int) -> list[int]:
    """Symbols matching more items in the last hour than `per_hour` stop matching until a person looks.

    A symbol that suddenly is everywhere is far more likely a bad reference (a plain shape, a common
    pattern, a national flag's part) than a flood of propaganda."""
    over = tx.symbols.match_counts_since(now - timedelta(hours=1), more_than=per_hour)
    for symbol_id, count in over:
        set_symbol_state(
            tx,
            symbol_id,
            "quarantined",
            "system",
            f"matched {count} items in the last hour (limit {per_hour}); pending review",
        )
    return [symbol_id for symbol_id, _ in over]
