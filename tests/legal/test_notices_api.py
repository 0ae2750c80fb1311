"""DSA Art 16 notices over the platform API: the Article's elements, the receipt, the case, the decision."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.api.scopes import Scope
from bastion.core import Category, utcnow
from bastion.legal.notifiers import register_notifier
from bastion.review.cases import Decision, claim, decide
from bastion.store.db import Database
from bastion.store.models.notices import NoticeRow
from bastion.store.models.review import ReportRow, UserRow

NOTICE = {
    "notice_type": "terrorist_content",
    "explanation": "The post asks readers to join the fictional Crimson Dawn Brigade and fight.",
    "url": "https://forum.example/t/42",
    "item_id": "post-42",
    "notifier_name": "Ana Example",
    "notifier_email": "ana@example.org",
    "good_faith": True,
    "item": {"id": "post-42", "text": "Brothers, join the Crimson Dawn Brigade today", "author": "acct-9"},
}


def _post(client: TestClient, **changes: Any) -> Any:
    body = {key: value for key, value in (NOTICE | changes).items() if value is not None}
    return client.post("/v1/notices", json=body)


def test_a_complete_notice_gets_a_receipt_and_opens_the_items_case(client: TestClient, db: Database) -> None:
    response = _post(client)

    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["trusted_flagger"] is False
    assert len(receipt["receipt"]) >= 24
    with db.snapshot() as tx:
        case = tx.cases.for_item("test-platform", "post-42")
        notice = tx.notices.get(receipt["notice_id"])
        assert case is not None and notice is not None
        assert receipt["case_id"] == case.id == notice.case_id
        assert notice.notifier_email == "ana@example.org"
        assert tx.audit.has("notice.receive", "item:test-platform/post-42")
        assert tx.session.scalar(select(func.count()).select_from(ReportRow)) == 1  # filed as a report on the item


def test_an_incomplete_notice_is_answered_with_every_missing_element_and_kept_nowhere(
    client: TestClient, db: Database
) -> None:
    response = _post(
        client, explanation="bad", url="", item_id="", notifier_email="not-an-address", good_faith=False, item=None
    )

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "incomplete_notice"
    assert {d["field"] for d in body["details"]} == {"explanation", "url", "notifier_email", "good_faith"}
    with db.snapshot() as tx:
        assert tx.session.scalar(select(func.count()).select_from(NoticeRow)) == 0


def test_name_and_email_may_be_left_out_only_for_child_sexual_abuse(client: TestClient) -> None:
    anonymous = {"notifier_name": "", "notifier_email": ""}

    terrorism = _post(client, **anonymous)
    abuse = _post(client, notice_type="child_sexual_abuse", **anonymous)

    assert terrorism.status_code == 422
    assert {d["field"] for d in terrorism.json()["details"]} == {"notifier_name", "notifier_email"}
    assert abuse.status_code == 201, abuse.text


def test_two_notices_on_one_item_join_one_case(client: TestClient) -> None:
    first = _post(client).json()
    second = _post(client, notifier_email="bo@example.org").json()

    assert first["case_id"] == second["case_id"]
    assert first["receipt"] != second["receipt"]


def test_a_url_alone_locates_the_item_whose_own_address_it_is(client: TestClient) -> None:
    item = {"id": "post-7", "text": "A quiet walk", "permalink": "https://forum.example/7"}
    checked = client.post("/v1/check", json=item)
    assert checked.status_code == 200

    response = _post(client, item_id="", item=None, url="https://FORUM.example/7/")

    assert response.status_code == 201
    case = client.app.state.db  # type: ignore[attr-defined]
    with case.snapshot() as tx:
        assert tx.notices.get(response.json()["notice_id"]).item_id == "post-7"


def test_an_item_id_bastion_never_saw_without_a_url_or_content_is_404(client: TestClient) -> None:
    response = _post(client, item_id="never-seen", url="", item=None)

    assert response.status_code == 404
    assert "give its URL" in response.json()["message"]


def test_a_trusted_flaggers_code_raises_the_case_and_marks_the_notice(client: TestClient, db: Database) -> None:
    with db.transaction() as tx:
        flagger = register_notifier(tx, "Fictional Referral Unit", "iru@example.org", "test", utcnow(), True, "DE")
    ordinary = _post(client, item_id="post-1", item={"id": "post-1", "text": "See you at the park"}).json()

    trusted = _post(client, notifier_name="", notifier_email="", notifier_code=flagger.code).json()

    assert trusted["trusted_flagger"] is True
    assert trusted["priority"] > ordinary["priority"]
    with db.snapshot() as tx:
        notice = tx.notices.get(trusted["notice_id"])
        assert notice is not None and notice.notifier_email == "iru@example.org"


def test_an_unknown_notifier_code_is_a_missing_element(client: TestClient) -> None:
    response = _post(client, notifier_code="made-up")

    assert response.status_code == 422
    assert [d["field"] for d in response.json()["details"]] == ["notifier_code"]


def test_the_notifier_is_told_the_decision(client: TestClient, db: Database, users: dict[str, UserRow]) -> None:
    receipt = _post(client).json()
    before = client.get(f"/v1/notices/{receipt['notice_id']}").json()

    with db.transaction() as tx:
        claim(tx, receipt["case_id"], users["ada"], utcnow())
        decide(tx, receipt["case_id"], users["ada"], Decision.REMOVE, utcnow(), Category.RECRUITMENT)
    after = client.get(f"/v1/notices/{receipt['notice_id']}").json()

    assert before["state"] == "received" and before["decision"] is None
    assert after["state"] == "decided"
    assert after["decision"] == "remove"
    assert after["automated_decision"] is False


def test_another_platforms_notice_is_not_found(client: TestClient, db: Database) -> None:
    receipt = _post(client).json()
    with db.transaction() as tx:
        other = tx.keys.create("other-platform", [Scope.NOTICE]).secret

    response = client.get(f"/v1/notices/{receipt['notice_id']}", headers={"Authorization": f"Bearer {other}"})

    assert response.status_code == 404
