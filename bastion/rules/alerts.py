"""How often each rule fires, per hour, and an alert when one suddenly fires far more.

A rule that starts firing five times as often as usual is more often a broken
rule or a detector gone wrong than a wave of terrorist content; either way a
person should look before thousands of items are actioned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from bastion.core import Verdict
from bastion.store.transaction import Transaction

log = structlog.get_logger(__name__)

_BASELINE = timedelta(days=7)


ALL_ITEMS = "*"  # the row that counts every checked item: each rule's denominator


@dataclass(frozen=True)
class RuleAlert:
    rule: str
    version: int
    shadow: bool
    fires: int
    checked: int
    usual_rate: float

    @property
    def rate(self) -> float:
        return self.fires / self.checked if self.checked else 0.0

    def describe(self) -> str:
        mode = " (shadow)" if self.shadow else ""
        return (
            f"rule {self.rule} v{self.version}{mode} fired on {self.fires} of {self.checked} items this hour "
            f"({self.rate:.1%}); its usual rate is {self.usual_rate:.1%}"
        )


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def record_fires(tx: Transaction, verdicts: Sequence[Verdict], now: datetime) -> None:
    """Count, for this hour, the items checked and how many fired each rule (one upsert per batch)."""
    if not verdicts:
        return
    counts: Counter[tuple[str, int, bool]] = Counter({(ALL_ITEMS, 0, False): len(verdicts)})
    for verdict in verdicts:
        for ref in [*verdict.rules, *verdict.shadow_rules]:
            counts[(ref.name, ref.version, ref.shadow)] += 1
    tx.rules.add_fires(hour_of(now), counts)


def rate_alerts(tx: Transaction, now: datetime, factor: float, min_fires: int) -> list[RuleAlert]:
    """Rules firing, this hour, at `factor` times their rate over the week before, or more.

    A rule with no history that fires `min_fires` times counts as a jump too.
    """
    hour = hour_of(now)
    all_items = (ALL_ITEMS, 0, False)
    checked_now = tx.rules.fires_at(all_items, hour)
    checked_before = tx.rules.fires_between(all_items, hour - _BASELINE, hour)
    alerts = []
    for key, fires in tx.rules.fires_in_hour(hour, min_fires, excluding=ALL_ITEMS):
        before = tx.rules.fires_between(key, hour - _BASELINE, hour)
        usual = before / checked_before if checked_before else 0.0
        rate = fires / checked_now if checked_now else 0.0
        if usual == 0.0 or rate >= factor * usual:
            alerts.append(RuleAlert(*key, fires, checked_now, usual))
    return alerts


def raise_alerts(tx: Transaction, now: datetime, factor: float, min_fires: int) -> list[RuleAlert]:
    """Record each new alert once per rule and hour in the audit log, and log it."""
    raised = []
    for alert in rate_alerts(tx, now, factor, min_fires):
        subject = f"rule:{alert.rule}:v{alert.version}:{hour_of(now).isoformat()}"
        if not tx.audit.has("rule.alert", subject):
            tx.audit.append(
                action="rule.alert",
                subject=subject,
                actor="system",
                payload={
                    "message": alert.describe(),
                    "fires": alert.fires,
                    "checked": alert.checked,
                    "usual_rate": alert.usual_rate,
                    "shadow": alert.shadow,
                },
            )
            log.warning("rule_alert", rule=alert.rule, version=alert.version, message=alert.describe())
            raised.append(alert)
    return raised
