"""Item ids are the platform's own: two platforms sending the same id each keep their own item,
verdict, case, reports, appeals, decisions and actions (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import ClassVar

from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.actions.base import ActionTarget, PlatformAction
from bastion.actions.outbox import deliver_due
from bastion.context import AppContext
from bastion.core import Category, utcnow
from bastion.review.accounts import Role, create_user
from bastion.review.cases import AppealOutcome, Decision, claim, decide, decide_appeal
from bastion.review.queue import QueueFilter, queue
from bastion.review.reports import pressure_on, reporter_trust
from bastion.store.db import Database
from bastion.store.models.core import AuditRow
from bastion.store.models.review import DecisionRow, UserRow

A, B = "test-platform", "platform-b"  # the `client` fixture's key is platform A's
FLAGGED = {"id": "p-1", "text": "Join the Crimson Dawn Brigade today", "author": "acct-a"}
BENIGN = {"id": "p-1", "text": "a fictional post about the harbour at dawn", "author": "acct-b"}


class _Recorder(ActionTarget):
    """An action target that keeps what it is given (the platform side of the webhook)."""

    name: ClassVar[str] = "recorder"

    def __init__(self) -> None:
        self.sent: list[PlatformAction] = []

    @classmethod
    def from_context(cls, context: AppContext) -> ActionTarget | None:
        return cls()

    def deliver(self, action: PlatformAction) -> str | None:
        self.sent.append(action)
        return None


def _key_of_b(db: Database) -> dict[str, str]:
    with db.transaction() as tx:
        key = tx.keys.create(B, ["check", "report", "appeal"], actor="test").secret
    return {"Authorization": f"Bearer {key}"}


def _moderator(db: Database, name: str) -> UserRow:
    with db.transaction() as tx:
        return create_user(tx, name, "fictional-password-1", Role.MODERATOR, "test")


def _remove(db: Database, platform: str, moderator: UserRow) -> int:
    """The platform's p-1 decided `remove` by the moderator; its case id."""
    with db.transaction() as tx:
        case = tx.cases.for_item(platform, "p-1")
        assert case is not None
        claim(tx, case.id, moderator, utcnow())
        decide(tx, case.id, moderator, Decision.REMOVE, utcnow(), Category.RECRUITMENT)
        return case.id


def test_a_second_platform_checking_the_same_id_changes_nothing_of_the_first(client: TestClient, db: Database) -> None:
    first = client.post("/v1/check", json=FLAGGED)
    assert first.status_code == 200 and first.json()["action"] == "review"
    with db.snapshot() as tx:
        case = tx.cases.for_item(A, "p-1")
        assert case is not None
        before = (case.id, case.state, case.priority)
    second = client.post("/v1/check", json=BENIGN, headers=_key_of_b(db))
    assert second.status_code == 200 and second.json()["action"] == "allow"
    with db.snapshot() as tx:
        mine, theirs = tx.items.get(A, "p-1"), tx.items.get(B, "p-1")
        assert mine is not None and theirs is not None
        assert (mine.text, mine.author) == (FLAGGED["text"], "acct-a")
        assert (theirs.text, theirs.author) == (BENIGN["text"], "acct-b")
        assert tx.items.verdict_body(A, "p-1")["action"] == "review"  # type: ignore[index]
        assert tx.items.verdict_body(B, "p-1")["action"] == "allow"  # type: ignore[index]
        case = tx.cases.for_item(A, "p-1")
        assert case is not None and (case.id, case.state, case.priority) == before
        assert tx.cases.for_item(B, "p-1") is None  # an allowed item opens no case
        subjects = set(tx.session.scalars(select(AuditRow.subject).where(AuditRow.action == "verdict")))
        assert subjects == {f"item:{A}/p-1", f"item:{B}/p-1"}
        assert tx.audit.verify().ok


def test_the_queue_and_the_case_page_show_each_platform_its_own_item(client: TestClient, db: Database) -> None:
    client.post("/v1/check", json=FLAGGED)
    client.post(
        "/v1/check", json=FLAGGED | {"text": "Join the Crimson Dawn Brigade, platform b"}, headers=_key_of_b(db)
    )
    ada = _moderator(db, "ada")
    with db.snapshot() as tx:
        entries = queue(tx, ada, QueueFilter(), utcnow())
        shown = sorted((e.case.platform, e.item.platform, e.item.text) for e in entries)
        views = [tx.cases.case_view(e.case.id, utcnow()) for e in entries]
    assert shown == [
        (B, B, "Join the Crimson Dawn Brigade, platform b"),
        (A, A, FLAGGED["text"]),
    ]
    assert sorted((v.item.platform, v.verdict["id"]) for v in views if v) == [(B, "p-1"), (A, "p-1")]


def test_each_platform_reports_into_its_own_case(client: TestClient, db: Database) -> None:
    client.post("/v1/check", json=FLAGGED)
    b = _key_of_b(db)
    client.post("/v1/check", json=FLAGGED | {"author": "acct-b"}, headers=b)
    body = {"item": BENIGN, "reporter": "u-b", "reason": "terrorism"}
    filed = client.post("/v1/reports", json=body, headers=b)
    assert filed.status_code == 201
    with db.snapshot() as tx:
        mine, theirs = tx.cases.for_item(A, "p-1"), tx.cases.for_item(B, "p-1")
        assert mine is not None and theirs is not None and mine.id != theirs.id
        assert filed.json()["case_id"] == theirs.id
        assert tx.reports.on_item(A, "p-1") == []
        assert [r.reporter for r in tx.reports.on_item(B, "p-1")] == ["u-b"]
        assert tx.audit.has("report.file", f"item:{B}/p-1")


def test_an_appeal_reaches_only_the_appellants_item_and_its_webhook(client: TestClient, db: Database) -> None:
    client.post("/v1/check", json=FLAGGED)
    b = _key_of_b(db)
    client.post("/v1/check", json=FLAGGED, headers=b)
    ada, bo = _moderator(db, "ada"), _moderator(db, "bo")
    a_case, b_case = _remove(db, A, ada), _remove(db, B, ada)
    appealed = client.post("/v1/appeals", json={"item_id": "p-1", "appellant": "acct-b"}, headers=b)
    assert appealed.status_code == 201 and appealed.json()["case_id"] == b_case
    with db.snapshot() as tx:
        assert tx.cases.get(a_case).state == "decided"  # type: ignore[union-attr]
        assert tx.cases.get(b_case).state == "appealed"  # type: ignore[union-attr]
        decisions = {(d.case_id, d.platform, d.item_id) for d in tx.session.scalars(select(DecisionRow))}
    assert decisions == {(a_case, A, "p-1"), (b_case, B, "p-1")}
    with db.transaction() as tx:
        claim(tx, b_case, bo, utcnow())
        decide_appeal(tx, b_case, bo, AppealOutcome.REVERSE, utcnow())
    target = _Recorder()
    assert deliver_due(db, target, utcnow()).delivered == 5  # with each removal's statement of reasons
    acted = [action for action in target.sent if action.action != "statement_of_reasons"]
    sent = sorted((action.platform, action.action, action.details["case"]) for action in acted)
    assert sent == [(B, "remove", b_case), (B, "restore", b_case), (A, "remove", a_case)]
    # The webhook body keeps the item contract: the id as the platform sent it, no platform added.
    assert {action.as_json()["item_id"] for action in target.sent} == {"p-1"}
    assert all("platform" not in action.as_json() for action in target.sent)


def test_an_appeal_of_an_id_only_another_platform_decided_is_refused(client: TestClient, db: Database) -> None:
    client.post("/v1/check", json=FLAGGED)
    b = _key_of_b(db)
    client.post("/v1/check", json=FLAGGED, headers=b)  # B's own p-1 waits, undecided
    a_case = _remove(db, A, _moderator(db, "ada"))
    refused = client.post("/v1/appeals", json={"item_id": "p-1", "appellant": "acct-a"}, headers=b)
    assert refused.status_code == 404
    with db.snapshot() as tx:
        assert tx.cases.get(a_case).state == "decided"  # type: ignore[union-attr]
        assert len(tx.outbox.due(utcnow(), 10)) == 2  # A's removal and its statement; nothing restores A's item


def test_a_reporter_and_an_author_are_one_platforms_users(client: TestClient, db: Database) -> None:
    """Another platform's user of the same pseudonym is someone else: B's reports neither borrow nor spend
    the trust A's reporter earned, and do not add to the pressure on A's author."""
    client.post("/v1/check", json=FLAGGED)
    filed = client.post("/v1/reports", json={"item": FLAGGED, "reporter": "u-1", "reason": "terrorism"}).json()
    assert filed["case_id"] == _remove(db, A, _moderator(db, "ada"))
    b = _key_of_b(db)
    for n in range(3):
        item = {"id": f"b-{n}", "text": "a fictional post about the harbour", "author": "acct-a"}
        assert client.post(
            "/v1/reports", json={"item": item, "reporter": "u-1", "reason": "hate"}, headers=b
        ).is_success
    with db.snapshot() as tx:
        assert reporter_trust(tx, A, "u-1") == 2 / 3  # one upheld report, on A's item
        assert reporter_trust(tx, B, "u-1") == 1 / 2  # nothing of B's decided yet
        assert pressure_on(tx, A, "acct-a", utcnow()).reports == 1
        assert pressure_on(tx, B, "acct-a", utcnow()).reports == 3
