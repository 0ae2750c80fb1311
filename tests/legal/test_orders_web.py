"""A legal officer records a removal order in the web UI, works its clock and downloads the Annex II and III
documents; other roles are refused on the server, whatever they post."""

from __future__ import annotations

import pytest

from bastion.legal.deadlines import tick
from tests.legal.orders_support import RECEIVED, Legal, check_poster, legal, logged_in, minutes

__all__ = ["legal"]

FORM = {
    "regime": "eu-tco",
    "platform": "forum-a",
    "issuing_state": "de",
    "issuing_authority": "Fictional Referral Unit",
    "reference": "DE-WEB-1",
    "issued_at": "2026-03-02T09:40",
    "received_at": "2026-03-02T09:55",
    "targets": "https://forum.example/p/1\npost-404",
    "grounds": "a",
    "reasons": "Calls to join the fictional brigade's attacks.",
    "redress": "Appeal within one month to the fictional court.",
    "action": "remove",
}


def test_a_legal_officer_records_an_order_and_works_its_clock(legal: Legal) -> None:
    check_poster(legal, "post-1", 11, permalink="https://forum.example/p/1")
    client, csrf = logged_in(legal, "legal")

    assert "Record the order" in client.get("/legal/orders/new").text
    created = client.post("/legal/orders", data=FORM | {"csrf": csrf})

    assert created.status_code == 303, created.text
    order_url = created.headers["location"]
    page = client.get(order_url).text
    assert "DE-WEB-1" in page and "running" in page and "not found" in page  # post-404 is not on the platform
    with legal.db.snapshot() as tx:
        [order] = tx.orders.newest()
    assert (order.issuing_state, order.recorded_by) == ("DE", "user:legal")
    assert order.received_at.isoformat() == "2026-03-02T09:55:00+00:00"  # the officer's time of receipt

    legal.client.app.state.now = lambda: RECEIVED  # type: ignore[attr-defined]  # 10:00, five minutes in
    paused = client.post(
        f"{order_url}/clock", data={"step": "pause", "ground": "clarification", "note": "which post?", "csrf": csrf}
    )
    assert paused.status_code == 303
    annex_iii = client.get(f"{order_url}/documents/annex-iii.txt")
    assert annex_iii.status_code == 200 and "manifest errors or insufficient information" in annex_iii.text
    assert "which post?" in annex_iii.text
    assert client.get(f"{order_url}/documents/annex-ii.txt").status_code == 303  # not acted on yet: refused

    legal.client.app.state.now = lambda: RECEIVED + minutes(30)  # type: ignore[attr-defined]
    client.post(f"{order_url}/clock", data={"step": "resume", "note": "clarified", "csrf": csrf})
    legal.acknowledge(RECEIVED + minutes(40))
    with legal.db.transaction() as tx:
        tick(tx, RECEIVED + minutes(41), legal.settings)

    annex_ii = client.get(f"{order_url}/documents/annex-ii.json")
    assert annex_ii.status_code == 200
    assert annex_ii.json()["time_of_action"] == (RECEIVED + minutes(40)).isoformat()
    assert "attachment" in annex_ii.headers["content-disposition"]
    assert "in time" in client.get(order_url).text


def test_a_bad_form_is_shown_again_with_what_is_wrong(legal: Legal) -> None:
    client, csrf = logged_in(legal, "legal")

    response = client.post("/legal/orders", data=FORM | {"issuing_state": "Germany", "targets": "", "csrf": csrf})

    assert response.status_code == 422
    assert "issuing_state" in response.text and "targets" in response.text
    with legal.db.snapshot() as tx:
        assert tx.orders.newest() == []


@pytest.mark.parametrize("role", ["moderator", "senior_moderator", "auditor"])
def test_other_roles_cannot_see_or_record_orders(legal: Legal, role: str) -> None:
    client, csrf = logged_in(legal, role)

    assert client.get("/legal/orders").status_code == 403
    assert client.get("/legal/orders/new").status_code == 403
    assert client.post("/legal/orders", data=FORM | {"csrf": csrf}).status_code == 403
    assert "/legal/orders" not in client.get("/queue").text  # not in the menu either
    with legal.db.snapshot() as tx:
        assert tx.orders.newest() == []
