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
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bastion.core import Verdict
from bastion.store.audit import append_audit
from bastion.store.models.core import AuditRow, RuleFireRow

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


def record_fires(session: Session, verdicts: Sequence[Verdict], now: datetime) -> None:
    """Count, for this hour, the items checked and how many fired each rule (one upsert per batch)."""
    if not verdicts:
        return
    counts: Counter[tuple[str, int, bool]] = Counter({(ALL_ITEMS, 0, False): len(verdicts)})
    for verdict in verdicts:
        for ref in [*verdict.rules, *verdict.shadow_rules]:
            counts[(ref.name, ref.version, ref.shadow)] += 1
    hour = hour_of(now)
    rows = [
        {"rule": name, "version": version, "hour": hour, "shadow": shadow, "fires": count}
        for (name, version, shadow), count in sorted(counts.items())
    ]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(RuleFireRow)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["rule", "version", "hour", "shadow"],
            set_={"fires": RuleFireRow.fires + statement.excluded.fires},
        ),
        rows,
    )


def rate_alerts(session: Session, now: datetime, factor: float, min_fires: int) -> list[RuleAlert]:
    """Rules firing, this hour, at `factor` times their rate over the week before, or more.

    A rule with no history that fires `min_fires` times counts as a jump too.
    """
    hour = hour_of(now)
    baseline = (RuleFireRow.hour >= hour - _BASELINE, RuleFireRow.hour < hour)
    checked_now = _fires(session, ALL_ITEMS, 0, False, RuleFireRow.hour == hour)
    checked_before = _fires(session, ALL_ITEMS, 0, False, *baseline)
    current = session.execute(
        select(RuleFireRow.rule, RuleFireRow.version, RuleFireRow.shadow, RuleFireRow.fires).where(
            RuleFireRow.hour == hour, RuleFireRow.rule != ALL_ITEMS, RuleFireRow.fires >= min_fires
        )
    ).all()
    alerts = []
    for row in current:
        before = _fires(session, row.rule, row.version, row.shadow, *baseline)
        usual = before / checked_before if checked_before else 0.0
        rate = row.fires / checked_now if checked_now else 0.0
        if usual == 0.0 or rate >= factor * usual:
            alerts.append(RuleAlert(row.rule, row.version, row.shadow, row.fires, checked_now, usual))
    return alerts


def _fires(session: Session, rule: str, version: int, shadow: bool, *where: ColumnElement[bool]) -> int:
    total: int | None = session.scalar(
        select(func.coalesce(func.sum(RuleFireRow.fires), 0)).where(  # type: ignore[arg-type]
            RuleFireRow.rule == rule, RuleFireRow.version == version, RuleFireRow.shadow == shadow, *where
        )
    )
    return int(total or 0)


def raise_alerts(session: Session, now: datetime, factor: float, min_fires: int) -> list[RuleAlert]:
    """Record each new alert once per rule and hour in the audit log, and log it."""
    raised = []
    for alert in rate_alerts(session, now, factor, min_fires):
        subject = f"rule:{alert.rule}:v{alert.version}:{hour_of(now).isoformat()}"
        already = session.scalar(
            select(AuditRow.seq).where(AuditRow.action == "rule.alert", AuditRow.subject == subject).limit(1)
        )
        if already is None:
            append_audit(
                session,
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
