"""Replay stored items through a candidate policy and show what it would change.

The replay uses the signals stored with each verdict, not a fresh detection
run: it is fast, it isolates the rule change from detector changes, and it
gives the same answer every time it is run on the same history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from bastion.core import Item, Kind, Signal
from bastion.rules.policy import Policy
from bastion.store.models.core import ItemRow
from bastion.store.transaction import Transaction

_SAMPLE = 20


@dataclass
class BacktestReport:
    policy_version: str
    items: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    rule_fires: Counter[str] = field(default_factory=Counter)
    shadow_fires: Counter[str] = field(default_factory=Counter)
    changed: list[dict[str, str]] = field(default_factory=list)
    errors: int = 0

    @property
    def changed_count(self) -> int:
        return sum(n for (old, new), n in self.transitions.items() if old != new)

    def as_json(self) -> dict[str, object]:
        return {
            "policy_version": self.policy_version,
            "items": self.items,
            "changed": self.changed_count,
            "transitions": [{"from": old, "to": new, "items": n} for (old, new), n in sorted(self.transitions.items())],
            "rule_fires": dict(sorted(self.rule_fires.items())),
            "shadow_fires": dict(sorted(self.shadow_fires.items())),
            "sample_changed": self.changed,
            "rule_errors": self.errors,
        }


def backtest(tx: Transaction, policy: Policy, since: datetime, until: datetime | None = None) -> BacktestReport:
    report = BacktestReport(policy.version)
    for item, signals, old_action in _history(tx, since, until):
        decision = policy.decide(item, signals, item.lang)
        report.items += 1
        report.transitions[(old_action, decision.action.value)] += 1
        report.rule_fires.update(ref.name for ref in decision.fired)
        report.shadow_fires.update(ref.name for ref in decision.shadow)
        report.errors += len(decision.errors)
        if old_action != decision.action.value and len(report.changed) < _SAMPLE:
            report.changed.append({"id": item.id, "from": old_action, "to": decision.action.value})
    return report


def _history(tx: Transaction, since: datetime, until: datetime | None) -> Iterator[tuple[Item, list[Signal], str]]:
    for row, body, action in tx.items.history(since, until):
        yield _item(row), [Signal.model_validate(s) for s in body.get("signals", [])], action


def _item(row: ItemRow) -> Item:
    return Item.model_construct(
        id=row.id,
        kind=Kind(row.kind),
        text=row.text,
        media=None,
        author=row.author,
        surface=row.surface,
        lang=row.lang,
        created_at=row.created_at,
        metadata=row.item_metadata or {},
    )
