"""Complaints against restrictions (DSA Art 20, TCO Art 10), lodged through the API or the CLI against the
statement of reasons the uploader was given, decided in the web UI by a person other than the one who decided,
a reversal restoring the item through the outbox; and the transparency report's complaint figures against a
direct count of the database."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bastion.cli import app
from bastion.core import utcnow
from bastion.store.models.core import AuditRow
from bastion.store.models.review import AppealRow, OutboxRow
from tests.cli_env import cli_env as cli_env_of
from tests.legal.orders_support import Legal, an_order, bank_poster, check_poster, legal, logged_in
from tests.legal.statements_support import case_of, check_text, statements, web_decide

__all__ = ["legal"]


def _complain(legal: Legal, item_id: str, at: Any = None) -> Any:
    legal.client.app.state.now = lambda: at or utcnow()  # type: ignore[attr-defined]
    payload = {"item_id": item_id, "complainant": "acct-77", "text": "This is a fictional museum's archive."}
    return legal.client.post("/v1/complaints", json=payload, headers={"Authorization": f"Bearer {legal.platform_key}"})


def _notifier_complains(legal: Legal, receipt: str) -> Any:
    body = {"notice_receipt": receipt, "text": "It still recruits."}
    return legal.client.post("/v1/complaints", json=body, headers={"Authorization": f"Bearer {legal.platform_key}"})


def _removed_by_a_moderator(legal: Legal, item_id: str) -> int:
    check_text(legal, item_id)
    case_id = case_of(legal, item_id)
    web_decide(legal, "moderator", case_id, "remove", category="recruitment")
    legal.acknowledge(utcnow())  # the platform removes it and shows its user the statement
    return case_id


def _restores(legal: Legal) -> list[OutboxRow]:
    with legal.db.snapshot() as tx:
        return list(tx.session.scalars(select(OutboxRow).where(OutboxRow.action == "restore")))


def _audit(legal: Legal, action: str) -> list[AuditRow]:
    with legal.db.snapshot() as tx:
        return list(tx.session.scalars(select(AuditRow).where(AuditRow.action == action)))


def test_a_complaint_is_decided_by_another_person_and_a_reversal_restores_the_item(legal: Legal) -> None:
    case_id = _removed_by_a_moderator(legal, "post-1")
    now = utcnow()

    lodged = _complain(legal, "post-1", now)

    assert lodged.status_code == 201, lodged.text
    complaint = lodged.json()
    assert complaint["state"] == "open" and complaint["case_id"] == case_id
    assert complaint["decide_by"] == (now + timedelta(days=14)).isoformat()  # TCO Art 10(2), from eu-tco.yaml
    with legal.db.snapshot() as tx:
        case = tx.cases.get(case_id)
        assert case is not None and case.state == "appealed" and case.deadline == now + timedelta(days=14)
    queue = logged_in(legal, "senior_moderator")[0].get("/queue").text
    assert f"due {now + timedelta(days=14):%Y-%m-%d %H:%M} UTC" in queue  # the queue shows the deadline

    # The moderator who removed it may not decide the complaint; another person does, in the web UI.
    first, csrf = logged_in(legal, "moderator")
    first.post(f"/cases/{case_id}/claim", data={"csrf": csrf})
    with legal.db.snapshot() as tx:
        assert tx.cases.get(case_id).assignee is None  # type: ignore[union-attr]
    web_decide(legal, "senior_moderator", case_id, "reverse", note="archive footage, not propaganda")

    [restore] = _restores(legal)
    assert restore.payload["complaint"] == complaint["complaint_id"] and restore.item_id == "post-1"
    answered = legal.client.get(
        f"/v1/complaints/{complaint['complaint_id']}", headers={"Authorization": f"Bearer {legal.platform_key}"}
    ).json()
    assert (answered["state"], answered["outcome"]) == ("decided", "reversed")
    assert [a.payload["complaint"] for a in _audit(legal, "complaint.lodge")] == [complaint["complaint_id"]]
    assert [a.actor for a in _audit(legal, "complaint.reversed")] == ["user:senior_moderator"]


def test_a_complaint_after_six_months_is_refused(legal: Legal) -> None:
    _removed_by_a_moderator(legal, "post-2")

    late = _complain(legal, "post-2", utcnow() + timedelta(days=184))

    assert late.status_code == 422 and "ended on" in late.json()["message"]
    assert _complain(legal, "post-2", utcnow() + timedelta(days=180)).status_code == 201  # within the window


def test_an_item_disabled_under_an_order_is_not_complained_about_here(legal: Legal) -> None:
    check_poster(legal, "ord-1", 11, permalink="https://forum.example/p/1")
    assert legal.send(an_order()).status_code == 201

    refused = _complain(legal, "ord-1")

    assert refused.status_code == 422 and "Art 9" in refused.json()["message"]
    assert _complain(legal, "never-restricted").status_code == 404


def test_a_complaint_against_an_automatic_removal_waits_for_a_person(legal: Legal) -> None:
    bank_poster(legal, 21)
    check_poster(legal, "img-1", 21)
    [statement] = statements(legal, "img-1")
    assert statement.basis == "automatic"

    lodged = _complain(legal, "img-1")

    assert lodged.status_code == 201 and lodged.json()["state"] == "open"
    assert _complain(legal, "img-1").status_code == 409  # one waiting complaint at a time
    web_decide(legal, "moderator", case_of(legal, "img-1"), "no_violation", note="a fictional exhibit")
    [restore] = _restores(legal)
    assert restore.payload["complaint"] == lodged.json()["complaint_id"]
    with legal.db.snapshot() as tx:
        row = tx.cases.appeal(lodged.json()["complaint_id"])
        assert row is not None and row.outcome == "reversed" and row.decided_at is not None


@pytest.fixture
def cli_env(legal: Legal, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with cli_env_of(monkeypatch, legal.settings.data_dir, legal.settings.resolved_database_url):
        yield


def test_the_cli_lodges_and_lists_complaints(legal: Legal, cli_env: None) -> None:
    _removed_by_a_moderator(legal, "post-3")

    lodged = CliRunner().invoke(
        app, ["complaints", "lodge", "--platform", "forum-a", "--item", "post-3", "--complainant", "acct-77"]
    )
    listed = CliRunner().invoke(app, ["complaints", "list"])
    refused = CliRunner().invoke(app, ["complaints", "lodge", "--item", "nothing", "--complainant", "acct-77"])

    assert lodged.exit_code == 0 and lodged.stdout.startswith("complaint ") and "TCO Art 10(2)" in lodged.output
    assert "forum-a/post-3" in listed.stdout and "open" in listed.stdout
    assert refused.exit_code == 2 and "no restriction to complain about" in refused.output
    neither = CliRunner().invoke(app, ["complaints", "lodge", "--item", "post-3"])
    assert neither.exit_code == 2 and "--notice" in neither.output


def test_the_report_counts_complaints_as_the_database_does(legal: Legal, cli_env: None) -> None:
    for item in ("post-4", "post-5", "post-6"):
        _removed_by_a_moderator(legal, item)
        assert _complain(legal, item).status_code == 201
    web_decide(legal, "senior_moderator", case_of(legal, "post-4"), "reverse")
    web_decide(legal, "senior_moderator", case_of(legal, "post-5"), "uphold")

    start, end = (utcnow() - timedelta(days=1)).date(), (utcnow() + timedelta(days=2)).date()
    result = CliRunner().invoke(app, ["report", "--from", str(start), "--to", str(end), "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)["complaints"]

    with legal.db.snapshot() as tx:
        rows = list(tx.session.scalars(select(AppealRow)))
    decided = [r for r in rows if r.outcome]
    assert got["received"] == len(rows) == 3
    assert got["decided"] == len(decided) == 2
    assert got["reversed"] == sum(r.outcome == "reversed" for r in rows) == 1
    hours = statistics.median((r.decided_at - r.filed_at).total_seconds() for r in decided if r.decided_at) / 3600
    assert got["median_hours_to_decide"] == round(hours, 2)
    assert got["by_kind"] == {"complaint": 3}
    assert got["answered_late"] == 0
    assert json.loads(result.output)["reinstatements"] == {"complaint": len(_restores(legal))} == {"complaint": 1}


def test_a_notifiers_complaint_about_no_action_is_upheld_and_removes_the_item(legal: Legal) -> None:
    with legal.db.transaction() as tx:
        key = tx.keys.create("forum-a", ["check", "report", "appeal", "notice"]).secret
    headers = {"Authorization": f"Bearer {key}"}
    notice = legal.client.post(
        "/v1/notices",
        headers=headers,
        json={
            "notice_type": "terrorist_content",
            "explanation": "The post recruits for the fictional Crimson Dawn Brigade.",
            "item": {"id": "post-8", "text": "Meet us at the fictional gate tonight.", "author": "acct-8"},
            "notifier_name": "Ana Example",
            "notifier_email": "ana@example.org",
            "good_faith": True,
        },
    ).json()
    case_id = case_of(legal, "post-8")
    too_early = _notifier_complains(legal, notice["receipt"])
    assert too_early.status_code == 409  # nothing decided yet
    web_decide(legal, "moderator", case_id, "no_violation")

    lodged = _notifier_complains(legal, notice["receipt"])

    assert lodged.status_code == 201, lodged.text
    assert lodged.json()["decide_by"] is None  # DSA Art 20 only: TCO Art 10 is about removals
    web_decide(legal, "senior_moderator", case_id, "reverse", note="recruiting after all")
    with legal.db.snapshot() as tx:
        removal = tx.session.scalars(select(OutboxRow).where(OutboxRow.action == "remove")).one()
    assert removal.item_id == "post-8" and removal.payload["complaint"] == lodged.json()["complaint_id"]
    [statement] = statements(legal, "post-8")  # the removal is explained like any other
    assert statement.record["source_type"] == "SOURCE_ARTICLE_16" and "and a complaint" in statement.facts
    assert _notifier_complains(legal, "not-a-receipt").status_code == 404
    neither = legal.client.post("/v1/complaints", json={}, headers={"Authorization": f"Bearer {legal.platform_key}"})
    assert neither.status_code == 422 and "notice_receipt" in neither.text
