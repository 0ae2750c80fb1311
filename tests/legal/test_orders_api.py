"""Removal orders end to end over the API (TCO Art 3): an authority sends an order, Bastion finds its items and
their re-uploads, the platform acknowledges, and the one-hour clock stops at the time access was disabled.
Every time is injected: the server receives at `RECEIVED`, the platform acts and the clock ticks when told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bastion.legal.deadlines import not_executed, pause, resume
from bastion.store.models.core import AuditRow
from bastion.store.models.review import OutboxRow
from tests.legal.orders_support import PLATFORM, RECEIVED, Legal, an_order, check_poster, legal, minutes

__all__ = ["legal"]


def _audit(legal: Legal, action: str) -> list[AuditRow]:
    with legal.db.snapshot() as tx:
        return list(tx.session.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)))


def _outbox(legal: Legal) -> list[OutboxRow]:
    with legal.db.snapshot() as tx:
        return list(
            tx.session.scalars(
                select(OutboxRow).where(OutboxRow.action != "statement_of_reasons").order_by(OutboxRow.id)
            )
        )


def test_an_order_disables_its_items_and_a_reupload_and_the_clock_stops_when_access_went(legal: Legal) -> None:
    check_poster(legal, "post-1", 11, permalink="https://forum.example/p/1")
    check_poster(legal, "post-9", 11)  # the same file uploaded again under another id
    check_poster(legal, "post-2", 12)  # another poster: not named, not a copy
    check_poster(legal, "post-3", 13)
    order = an_order(targets=[{"url": "https://FORUM.example/p/1/"}, {"item_id": "post-3"}])

    response = legal.send(order)

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["clock"], body["received_at"]) == ("running", RECEIVED.isoformat())
    assert body["deadline"] == (RECEIVED + timedelta(hours=1)).isoformat()  # Art 3(3)
    found = {t["item_id"]: t["found_by"] for t in body["targets"]}
    assert found == {"post-1": "url", "post-9": "sha256", "post-3": "id"}
    assert {(r.item_id, r.action) for r in _outbox(legal)} == {(i, "remove") for i in found}

    legal.acknowledge(RECEIVED + minutes(20))  # the platform removes them 20 minutes after receipt
    report = legal.tick(RECEIVED + minutes(25))

    assert (report.disabled, report.closed, report.alerts) == (3, 1, 0)
    state = legal.client.get(response.headers["location"], headers={"Authorization": f"Bearer {legal.authority}"})
    assert state.status_code == 200
    done = state.json()
    assert (done["clock"], done["acted_at"]) == ("done", (RECEIVED + minutes(20)).isoformat())
    assert (done["seconds_to_act"], done["late"]) == (20 * 60, False)
    assert done["confirmation"]["time_of_action"] == (RECEIVED + minutes(20)).isoformat()  # Annex II
    assert {a.payload["state"] for a in _audit(legal, "order.clock")} == {"done"}
    assert {a.subject for a in _audit(legal, "order.remove")} == {f"item:{PLATFORM}/{i}" for i in found}


def test_a_paused_order_resumes_and_its_paused_time_is_not_counted(legal: Legal) -> None:
    check_poster(legal, "post-1", 11, permalink="https://forum.example/p/1")
    order_id = legal.send(an_order()).json()["id"]

    with legal.db.transaction() as tx:  # ten minutes in, the platform's storage is down (Art 3(7))
        paused = pause(
            tx, order_id, "impossibility", "storage cluster down", RECEIVED + minutes(10), "user:l", legal.settings
        )
        assert (paused.clock, paused.deadline_at) == ("paused_impossibility", None)
    assert legal.tick(RECEIVED + minutes(70)).alerts == 0  # a paused clock is never late, nor alerted
    with legal.db.transaction() as tx:  # back three hours later: the hour runs afresh from now
        resumed = resume(tx, order_id, "storage back", RECEIVED + minutes(190), "user:l", legal.settings)
        assert resumed.deadline_at == RECEIVED + minutes(250)
    legal.acknowledge(RECEIVED + minutes(210))
    legal.tick(RECEIVED + minutes(211))

    done = legal.client.get(f"/v1/orders/{order_id}", headers={"Authorization": f"Bearer {legal.authority}"}).json()
    assert done["clock"] == "done"
    assert done["seconds_to_act"] == (10 + 20) * 60  # running time only: the three paused hours are left out
    assert done["late"] is False
    states = [(e["state"], e["at"]) for e in done["clock_history"]]
    assert [s for s, _ in states] == ["running", "paused_impossibility", "running", "done"]
    assert states[1][1] == (RECEIVED + minutes(10)).isoformat()
    assert len(_audit(legal, "order.clock")) == 3  # pause, resume, done: each transition audited with its time


def test_a_late_order_is_alerted_before_its_deadline_and_counted_late(legal: Legal) -> None:
    check_poster(legal, "post-1", 11, permalink="https://forum.example/p/1")
    order_id = legal.send(an_order()).json()["id"]

    assert legal.tick(RECEIVED + minutes(31)).alerts == 1  # 29 minutes left: the 30-minute alert
    assert legal.tick(RECEIVED + minutes(32)).alerts == 0  # once per point
    assert legal.tick(RECEIVED + minutes(61)).alerts == 1  # passed
    legal.acknowledge(RECEIVED + minutes(75))
    legal.tick(RECEIVED + minutes(76))

    alerts = _audit(legal, "order.alert")
    assert [(a.payload["minutes_before"], a.payload["overdue"]) for a in alerts] == [(30, False), (0, True)]
    assert [r.action for r in _outbox(legal)].count("order_alert") == 2  # the platform's webhook hears of each
    with legal.db.snapshot() as tx:
        figures = tx.orders.figures(RECEIVED - timedelta(days=1), RECEIVED + timedelta(days=1))
    assert (figures.received, figures.acted_on, figures.late) == (1, 1, 1)
    assert figures.worst_seconds == 75 * 60
    assert figures.by_member_state == {"DE": 1}
    page = legal.client.get(f"/v1/orders/{order_id}", headers={"Authorization": f"Bearer {legal.authority}"}).json()
    assert page["late"] is True


def test_an_order_whose_content_is_not_found_is_closed_as_not_executed_and_counted(legal: Legal) -> None:
    body = legal.send(an_order(targets=[{"url": "https://forum.example/gone"}])).json()
    assert [(t["item_id"], t["found_by"]) for t in body["targets"]] == [(None, "none")]
    with legal.db.transaction() as tx:
        not_executed(
            tx, body["id"], "not_found", "deleted by its author", RECEIVED + minutes(5), "user:l", legal.settings
        )
        figures = tx.orders.figures(RECEIVED, RECEIVED + timedelta(days=1))
    assert (figures.received, figures.acted_on, figures.not_executed) == (1, 0, {"not_found": 1})


def test_a_platform_key_cannot_send_or_read_orders(legal: Legal) -> None:
    order_id = legal.send(an_order()).json()["id"]
    platform = {"Authorization": f"Bearer {legal.platform_key}"}

    sent = legal.client.post("/v1/orders", json=an_order("DE-2"), headers=platform)
    read = legal.client.get(f"/v1/orders/{order_id}", headers=platform)

    assert (sent.status_code, sent.json()["error"]) == (403, "not_an_authority")
    assert (read.status_code, read.json()["error"]) == (403, "not_an_authority")
    assert legal.client.post("/v1/orders", json=an_order("DE-3"), headers={"Authorization": ""}).status_code == 401
    assert legal.send(an_order("DE-4"), credential="bau_nope_nope").status_code == 401
    with legal.db.snapshot() as tx:
        assert [o.reference for o in tx.orders.newest()] == ["DE-2026-0001"]


def test_another_authority_does_not_see_an_order(legal: Legal) -> None:
    order_id = legal.send(an_order()).json()["id"]
    with legal.db.transaction() as tx:
        other = tx.authorities.create("Another Fictional Unit", "FR", "test").secret

    response = legal.client.get(f"/v1/orders/{order_id}", headers={"Authorization": f"Bearer {other}"})

    assert (response.status_code, response.json()["error"]) == (404, "no_such_order")


def test_malformed_orders_get_clear_4xx_answers_and_record_nothing(legal: Legal) -> None:
    headers = {"Authorization": f"Bearer {legal.authority}", "content-type": "application/json"}
    bad_json = legal.client.post("/v1/orders", content=b'{"platform": ', headers=headers)
    assert (bad_json.status_code, bad_json.json()["error"]) == (400, "malformed_json")

    cases = [
        (an_order(targets=[]), 422, "targets"),
        (an_order(targets=[{"info": "somewhere"}]), 422, "a target needs a url or an item_id"),
        (an_order(grounds=["z"]), 422, "'z' is not one of a, b, c, d, e"),
        (an_order(issued_at="2026-03-02T11:00:00Z"), 422, "cannot be issued after it was received"),
        (an_order(regime="xx-none"), 422, "no regime 'xx-none'"),
        (an_order(action="delete"), 422, "action"),
        ({k: v for k, v in an_order().items() if k != "reasons"}, 422, "reasons"),
    ]
    for order, status, says in cases:
        response = legal.send(order)
        assert response.status_code == status, (order, response.text)
        assert says in response.json()["message"], response.json()
    with legal.db.snapshot() as tx:
        assert tx.orders.newest() == []

    assert legal.send(an_order()).status_code == 201
    again = legal.send(an_order())
    assert (again.status_code, again.json()["error"]) == (409, "duplicate_order")


def test_a_non_disclosure_decision_is_carried_to_the_platform_and_readable_until_it_lapses(legal: Legal) -> None:
    check_poster(legal, "post-1", 11, permalink="https://forum.example/p/1")
    until = RECEIVED + timedelta(weeks=6)  # Art 11(3)

    assert legal.send(an_order(non_disclosure_until=until.isoformat())).status_code == 201

    [action] = _outbox(legal)
    assert action.payload["non_disclosure_until"] == until.isoformat()  # the platform tells the uploader nothing
    with legal.db.snapshot() as tx:
        assert tx.orders.non_disclosure_active(PLATFORM, "post-1", RECEIVED + minutes(5)) == until
        assert tx.orders.non_disclosure_active(PLATFORM, "post-1", until) is None  # lapsed
        assert tx.orders.non_disclosure_active("another-platform", "post-1", RECEIVED) is None
