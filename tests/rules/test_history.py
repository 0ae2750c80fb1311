"""Backtests over stored history and rule-rate alerts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bastion.core import Item, Verdict
from bastion.rules import Policy
from bastion.rules.alerts import raise_alerts, rate_alerts, record_fires
from bastion.rules.backtest import backtest
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.core import AuditRow

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)


def test_backtest_replays_stored_signals_through_a_candidate_policy(service: Service, tmp_path: Path) -> None:
    service.check(
        [
            Item(id="a", text="join the crimson dawn brigade"),
            Item(id="b", text="a quiet afternoon"),
            Item(id="c", text="see crimson-dawn-media.example/v/3"),
        ]
    )
    (tmp_path / "strict.yaml").write_text(
        "rules:\n"
        "  - {name: outlets, version: 2, when: \"signals.exists(s, s.detector == 'urllist')\", action: remove}\n"
        "  - {name: anything, version: 1, mode: shadow, action: review,\n"
        "     when: \"signals.exists(s, s.detector in ['termlist', 'urllist'])\"}\n"
    )
    with service.db.snapshot() as tx:
        report = backtest(tx, Policy.load(tmp_path), since=datetime(2000, 1, 1, tzinfo=UTC))
    assert report.items == 3
    assert report.transitions[("review", "remove")] == 1  # c: the outlet rule removes it
    assert report.transitions[("review", "allow")] == 1  # a: no live rule covers term lists any more
    assert report.transitions[("allow", "allow")] == 1
    assert report.shadow_fires["anything"] == 2
    assert {c["id"] for c in report.changed} == {"a", "c"}


def _verdicts(service: Service, n: int, flagged: int) -> list[Verdict]:
    items = [Item(id=f"x{i}", text="join the crimson dawn brigade" if i < flagged else "hello") for i in range(n)]
    verdicts = service.check(items, record=False)
    assert all(isinstance(v, Verdict) for v in verdicts)
    return verdicts  # type: ignore[return-value]


def test_a_rule_that_suddenly_fires_far_more_raises_one_alert(service: Service, db: Database) -> None:
    calm, busy = _verdicts(service, 100, 2), _verdicts(service, 100, 60)
    with db.transaction() as tx:
        for hours_ago in range(1, 25):
            record_fires(tx, calm, NOW - timedelta(hours=hours_ago))
        record_fires(tx, busy, NOW)
    with db.transaction() as tx:
        alerts = rate_alerts(tx, NOW, factor=5.0, min_fires=20)
        assert [a.rule for a in alerts] == ["tvec-flagged"]
        assert alerts[0].fires == 60 and alerts[0].checked == 100
        assert abs(alerts[0].usual_rate - 0.02) < 1e-9
        raise_alerts(tx, NOW, 5.0, 20)
        raise_alerts(tx, NOW, 5.0, 20)  # the same alert is recorded once an hour
    with db.reader() as session:
        assert len(session.scalars(select(AuditRow).where(AuditRow.action == "rule.alert")).all()) == 1


def test_a_steady_rule_raises_no_alert(service: Service, db: Database) -> None:
    steady = _verdicts(service, 100, 30)
    with db.transaction() as tx:
        for hours_ago in range(0, 25):
            record_fires(tx, steady, NOW - timedelta(hours=hours_ago))
    with db.snapshot() as tx:
        assert rate_alerts(tx, NOW, factor=5.0, min_fires=20) == []


def test_using_a_new_policy_is_audited_once(service: Service, db: Database) -> None:
    Service.from_settings(service.settings, db)
    with db.reader() as session:
        records = session.scalars(select(AuditRow).where(AuditRow.action == "policy.activate")).all()
    assert len(records) == 1
    assert records[0].payload["rules"][0]["name"] == "known-content-exact-match"
