"""The transparency report (TCO Art 7, DSA Art 15 and 24) written by `bastion report`: a known mix of orders,
automatic removals, notices, reports, decisions, an appeal and a threat to life, made through the API and the
review functions, and every number of the report checked against a count taken straight from the database."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bastion.api.scopes import Scope
from bastion.cli import app
from bastion.core import Category, utcnow
from bastion.legal.notifiers import register_notifier
from bastion.legal.threats import load_contacts, mark_threat, record_referral
from bastion.review.cases import AppealOutcome, Decision, claim, decide, decide_appeal, file_appeal
from bastion.store.models.core import VerdictRow
from bastion.store.models.notices import NoticeRow
from bastion.store.models.orders import OrderRow, OrderTargetRow
from bastion.store.models.review import AppealRow, DecisionRow, OutboxRow, UserRow
from bastion.store.models.threats import ReferralRow, ThreatRow
from tests.cli_env import cli_env as cli_env_of
from tests.legal.orders_support import PLATFORM, RECEIVED, Legal, an_order, bank_poster, check_poster, legal, minutes

__all__ = ["legal"]
RECRUITING = "Brothers, join the Crimson Dawn Brigade today. The gates are open."


@pytest.fixture
def cli_env(legal: Legal, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`bastion` run against the test's database."""
    with cli_env_of(monkeypatch, legal.settings.data_dir, legal.settings.resolved_database_url):
        yield


def _orders(legal: Legal) -> None:
    """Two orders: one acted on in 20 minutes, one in 75 (late, Art 3(3))."""
    check_poster(legal, "ord-1", 11, permalink="https://forum.example/p/1")
    check_poster(legal, "ord-2", 12, permalink="https://forum.example/p/2")
    assert legal.send(an_order()).status_code == 201
    legal.acknowledge(RECEIVED + minutes(20))
    legal.tick(RECEIVED + minutes(21))
    second = an_order("DE-2026-0002", targets=[{"url": "https://forum.example/p/2"}])
    assert legal.send(second).status_code == 201
    legal.acknowledge(RECEIVED + minutes(75))
    legal.tick(RECEIVED + minutes(76))


def _notice(legal: Legal, key: str, item_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "notice_type": "terrorist_content",
        "explanation": "The post recruits for the fictional Crimson Dawn Brigade.",
        "item": {"id": item_id, "text": RECRUITING, "author": f"acct-{item_id}", "lang": "en"},
        "notifier_name": "Ana Example",
        "notifier_email": "ana@example.org",
        "good_faith": True,
    } | changes
    response = legal.client.post("/v1/notices", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _decide(legal: Legal, case_id: int, user: UserRow, decision: Decision, category: Category | None) -> None:
    with legal.db.transaction() as tx:
        claim(tx, case_id, user, utcnow())
        decide(tx, case_id, user, decision, utcnow(), category)


def _mix(legal: Legal, users: dict[str, UserRow]) -> None:
    bank_poster(legal, 21)  # before any check: the bank index then holds it from the start
    _orders(legal)
    ada, bo = users["ada"], users["bo"]
    with legal.db.transaction() as tx:
        key = tx.keys.create(PLATFORM, [Scope.NOTICE, Scope.REPORT, Scope.CHECK]).secret
        flagger = register_notifier(tx, "Fictional Referral Unit", "iru@example.org", "test", utcnow(), True, "DE")
    check_poster(legal, "auto-1", 21)  # an exact copy of a banked poster: removed at once
    check_poster(legal, "auto-2", 21)  # another copy, which a person finds no violation in: restored
    with legal.db.snapshot() as tx:
        auto_2 = tx.cases.for_item(PLATFORM, "auto-2")
    assert auto_2 is not None
    _decide(legal, auto_2.id, ada, Decision.NO_VIOLATION, None)

    ordinary = _notice(legal, key, "txt-1")
    trusted = _notice(legal, key, "txt-2", notifier_name="", notifier_email="", notifier_code=flagger.code)
    anonymous = _notice(
        legal,
        key,
        "txt-3",
        notice_type="child_sexual_abuse",
        notifier_name="",
        notifier_email="",
        item={"id": "txt-3", "text": "A photo of my cat", "lang": "fr"},
    )
    _decide(legal, ordinary["case_id"], ada, Decision.REMOVE, Category.RECRUITMENT)
    _decide(legal, trusted["case_id"], ada, Decision.REMOVE, Category.RECRUITMENT)
    _decide(legal, anonymous["case_id"], ada, Decision.NO_VIOLATION, None)

    report = {"item": {"id": "txt-4", "text": RECRUITING, "lang": "en"}, "reporter": "r-1", "reason": "terrorism"}
    filed = legal.client.post("/v1/reports", json=report, headers={"Authorization": f"Bearer {key}"}).json()
    _decide(legal, filed["case_id"], bo, Decision.LABEL, Category.PROPAGANDA)

    with legal.db.transaction() as tx:  # the author of txt-1 appeals; another moderator reverses the removal
        file_appeal(tx, PLATFORM, "txt-1", "acct-txt-1", "It was a quote from a novel.", utcnow())
        claim(tx, ordinary["case_id"], bo, utcnow())
        decide_appeal(tx, ordinary["case_id"], bo, AppealOutcome.REVERSE, utcnow())
        mark_threat(tx, trusted["case_id"], bo, ["DE"], "names a place and a day", utcnow())
        [contact] = load_contacts(legal.settings.threat_contacts).to_inform(["DE"])
        record_referral(tx, trusted["case_id"], bo, contact, "phone", "", utcnow())


def _report(fmt: str) -> str:
    result = CliRunner().invoke(app, ["report", "--from", "2026-01-01", "--to", "2026-12-31", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def _count(legal: Legal, query: Any) -> int:
    with legal.db.snapshot() as tx:
        return int(tx.session.scalar(query) or 0)


def test_every_number_equals_a_direct_count(legal: Legal, users: dict[str, UserRow], cli_env: None) -> None:
    _mix(legal, users)
    got = json.loads(_report("json"))

    with legal.db.snapshot() as tx:
        s = tx.session
        orders = list(s.scalars(select(OrderRow)))
        acted = sorted(o.seconds_to_act for o in orders if o.clock == "done")
        disabled = int(s.scalar(select(func.count()).where(OrderTargetRow.disabled_at.is_not(None))) or 0)
        verdict_removals = list(s.scalars(select(VerdictRow).where(VerdictRow.action == "remove")))
        actioned = list(
            s.scalars(
                select(DecisionRow).where(DecisionRow.stage == "first", DecisionRow.action.in_(("remove", "label")))
            )
        )
        notices = list(s.scalars(select(NoticeRow)))
        appeals = list(s.scalars(select(AppealRow)))
        restores = list(s.scalars(select(OutboxRow).where(OutboxRow.action == "restore")))
        first = list(s.scalars(select(DecisionRow).where(DecisionRow.stage == "first")))
        threats = int(s.scalar(select(func.count()).select_from(ThreatRow)) or 0)
        referrals = list(s.scalars(select(ReferralRow)))
    noticed = {(n.platform, n.item_id): n.trusted_flagger for n in notices}

    o = got["orders"]
    assert (o["received"], o["acted_on"], o["late"]) == (len(orders), len(acted), sum(bool(x.late) for x in orders))
    assert (o["received"], o["late"]) == (2, 1)
    assert o["median_minutes_to_act"] == round(statistics.median(acted) / 60, 1) == 47.5
    assert o["worst_minutes_to_act"] == acted[-1] / 60 == 75
    assert o["items_disabled"] == disabled == 2
    assert o["by_member_state"] == dict(Counter(x.issuing_state for x in orders))

    r = got["restrictions"]
    assert r["total"] == disabled + len(verdict_removals) + len(actioned) == 7
    assert r["fully_automated"] == len(verdict_removals) == 2
    by_source = Counter(
        "trusted_flagger_notice" if noticed[(d.platform, d.item_id)] else "notice"
        for d in actioned
        if (d.platform, d.item_id) in noticed
    )
    by_source |= Counter(
        order=disabled, hash_match=len(verdict_removals), report=len(actioned) - sum(by_source.values())
    )
    assert r["by_source"] == dict(by_source)
    assert r["by_restriction"] == dict(
        Counter(["remove"] * (disabled + len(verdict_removals))) + Counter(d.action for d in actioned)
    )
    assert r["by_category"]["recruitment"] == sum(d.category == "recruitment" for d in actioned) == 2
    assert r["by_language"]["en"] == 3  # the three text items decided on; posters carry no language

    n = got["notices"]
    assert n["received"] == len(notices) == 3
    assert n["by_type"] == dict(Counter(x.notice_type for x in notices))
    assert n["from_trusted_flaggers"] == sum(x.trusted_flagger for x in notices) == 1
    assert n["outcome"] == {"actioned": 2, "no_action": 1}
    assert n["by_channel"] == {"api": 3}

    c = got["complaints"]
    assert c["received"] == len(appeals) == 1
    assert c["outcomes"] == dict(Counter(a.outcome for a in appeals)) == {"reversed": 1}

    assert got["reinstatements"] == {"appeal": 1, "review_of_automatic_removal": 1}
    assert sum(got["reinstatements"].values()) == len(restores)
    assert got["threats"]["marked"] == threats == 1
    assert got["threats"]["referrals"] == len(referrals) == 1

    a = got["accuracy"]
    decided = Counter(d for x in first if not x.action.startswith("escalate") for d in x.detectors)
    assert {d["detector"]: d["decided"] for d in a["detectors"]} == dict(decided)
    assert a["automatic_removals"] == 2 and a["automatic_removals_reversed"] == 1


def test_the_csv_holds_the_same_figures_one_a_row(legal: Legal, users: dict[str, UserRow], cli_env: None) -> None:
    _mix(legal, users)
    figures = json.loads(_report("json"))

    rows = list(csv.DictReader(io.StringIO(_report("csv"))))

    assert list(rows[0]) == ["section", "indicator", "breakdown", "value", "basis"]
    value = {(row["indicator"], row["breakdown"]): row["value"] for row in rows}
    assert value[("orders_received", "")] == str(figures["orders"]["received"])
    assert value[("notices_from_trusted_flaggers", "")] == str(figures["notices"]["from_trusted_flaggers"])
    assert value[("restrictions_by_detection_source", "hash_match")] == "2"
    assert value[("reinstatements_by_cause", "appeal")] == "1"
    assert all(row["basis"] for row in rows if row["section"] != "period")  # every figure names its article


def test_a_period_without_anything_reports_zeros_not_errors(legal: Legal, cli_env: None) -> None:
    html = _report("html")
    assert "Transparency report, 2026-01-01 to 2026-12-31" in html
    assert "<script" not in html and "http" not in html.split("</style>")[1]  # self-contained, offline


def test_bad_periods_get_one_line_errors(cli_env: None) -> None:
    for args, says in [
        (["--from", "2026-02-30", "--to", "2026-03-01"], "--from takes a day"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], "is before --from"),
    ]:
        result = CliRunner().invoke(app, ["report", *args])
        assert result.exit_code == 2
        assert says in result.output
