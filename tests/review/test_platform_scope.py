"""Reports and appeals stay within the platform that sent the item: an item id is the platform's own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bastion.core import Category, utcnow
from bastion.review.cases import Decision, claim, decide
from bastion.store.db import Database
from bastion.store.models.review import UserRow
from tests.review.test_reports_appeals_api import _report

_POST = {"id": "shared-1", "text": "a fictional post about the harbour", "author": "acct-3"}


def _other_platform(client: TestClient, db: Database) -> dict[str, str]:
    with db.transaction() as tx:
        key = tx.keys.create("platform-b", ["check", "report", "appeal"], actor="test").secret
    return {"Authorization": f"Bearer {key}"}


def _removed(client: TestClient, db: Database, users: dict[str, UserRow], item_id: str) -> None:
    case_id = _report(client, item_id, "user-a")["case_id"]
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.REMOVE, utcnow(), Category.PROPAGANDA)


def test_another_platform_cannot_appeal_an_item_it_did_not_send(
    client: TestClient, db: Database, users: dict[str, UserRow]
) -> None:
    _removed(client, db, users, "a-1")
    other = _other_platform(client, db)
    refused = client.post("/v1/appeals", json={"item_id": "a-1", "appellant": "acct-3"}, headers=other)
    unknown = client.post("/v1/appeals", json={"item_id": "never-seen", "appellant": "acct-3"}, headers=other)
    assert refused.status_code == unknown.status_code == 404
    assert refused.json()["message"].replace("a-1", "X") == unknown.json()["message"].replace("never-seen", "X")
    with db.snapshot() as tx:
        case = tx.cases.for_item("test-platform", "a-1")
        assert case is not None and case.state == "decided"  # no appeal, so no restore is sent
        assert len(tx.outbox.due(utcnow(), 10)) == 2  # only the removal and its statement of reasons wait
    assert client.post("/v1/appeals", json={"item_id": "a-1", "appellant": "acct-3"}).status_code == 201


def test_a_report_of_an_id_another_platform_sent_is_about_the_reporters_own_item(
    client: TestClient, db: Database
) -> None:
    first = client.post("/v1/check", json=_POST)
    assert first.status_code == 200
    other = _other_platform(client, db)
    body = {"item": {**_POST, "text": "another platform's words"}, "reporter": "u-8", "reason": "terrorism"}
    filed = client.post("/v1/reports", json=body, headers=other)
    assert filed.status_code == 201
    with db.snapshot() as tx:
        mine, theirs = tx.items.get("test-platform", "shared-1"), tx.items.get("platform-b", "shared-1")
        assert mine is not None and mine.text == _POST["text"]  # never overwritten
        assert theirs is not None and theirs.text == "another platform's words"
        assert not tx.reports.on_item("test-platform", "shared-1")
        assert [r.reporter for r in tx.reports.on_item("platform-b", "shared-1")] == ["u-8"]
        assert tx.cases.for_item("test-platform", "shared-1") is None
