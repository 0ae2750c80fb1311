"""The platform appeals an actor-level decision over HTTP, naming the record item id its webhook action carried."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.actors.policy import ConductPolicy, Threshold
from bastion.core import Category, Item, utcnow
from bastion.review.cases import Decision, claim, decide
from bastion.service import Service
from bastion.store.models.review import OutboxRow, UserRow

POLICY = ConductPolicy(thresholds=[Threshold(name="two", when="strikes.total >= 2")])
PLATFORM = "test-platform"  # the test key's platform


def test_an_account_suspension_is_appealed_through_the_api(
    client: TestClient, service: Service, users: dict[str, UserRow]
) -> None:
    now = utcnow()
    for n in range(2):
        service.check([Item(id=f"p-{n}", text="Join the Crimson Dawn Brigade today", author="acct-4")], PLATFORM)
        with service.db.transaction() as tx:
            case = tx.cases.for_item(PLATFORM, f"p-{n}")
            claim(tx, case.id, users["ada"], now)
            decide(tx, case.id, users["ada"], Decision.REMOVE, now, Category.RECRUITMENT, conduct=POLICY)
    with service.db.transaction() as tx:
        ((_, case),) = tx.conduct.cases_about(tx.actors.find(PLATFORM, "account", "acct-4").id)
        claim(tx, case.id, users["bo"], now)
        decide(tx, case.id, users["bo"], Decision.SUSPEND, now, Category.RECRUITMENT, conduct=POLICY)
        sent = tx.session.scalars(select(OutboxRow).where(OutboxRow.action == "suspend")).one()
    assert sent.item_id == case.item_id and sent.payload["actor"]["id"] == "acct-4"
    response = client.post(
        "/v1/appeals", json={"item_id": sent.item_id, "appellant": "acct-4", "text": "Those were quotes."}
    )
    assert response.status_code == 201, response.text
    with service.db.snapshot() as tx:
        assert tx.cases.get(case.id).state == "appealed"
