"""Cross-border orders (TCO Art 4): an order from another Member State than the platform's main establishment
(Ireland here) may be sent for scrutiny within 48 hours; found to infringe, its content is reinstated through
the same action path that removed it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bastion.legal.cross_border import record_scrutiny, request_scrutiny
from bastion.legal.orders import OrderRefused
from bastion.store.models.review import OutboxRow
from tests.legal.orders_support import RECEIVED, Legal, an_order, check_poster, legal, minutes

__all__ = ["legal"]


def _actions(legal: Legal) -> list[tuple[str, str]]:
    with legal.db.snapshot() as tx:
        return [
            (r.item_id, r.action)
            for r in tx.session.scalars(
                select(OutboxRow).where(OutboxRow.action != "statement_of_reasons").order_by(OutboxRow.id)
            )
        ]


def test_a_cross_border_order_found_to_infringe_is_reinstated(legal: Legal) -> None:
    check_poster(legal, "post-1", 11, permalink="https://forum.example/p/1")
    check_poster(legal, "post-9", 11)
    body = legal.send(an_order()).json()
    assert body["cross_border"] is True
    assert body["scrutiny"]["window_closes"] == (RECEIVED + timedelta(hours=48)).isoformat()
    legal.acknowledge(RECEIVED + minutes(10))
    legal.tick(RECEIVED + minutes(11))

    with legal.db.transaction() as tx:
        at = RECEIVED + timedelta(hours=47)
        request_scrutiny(tx, body["id"], "the poster is a news report's illustration", at, "user:legal", legal.settings)
        decided = record_scrutiny(tx, body["id"], "infringes", "reasoned decision", at, "user:legal", legal.settings)
        assert decided.scrutiny_outcome == "infringes"

    restored = [item for item, action in _actions(legal) if action == "restore"]
    assert sorted(restored) == ["post-1", "post-9"]
    with legal.db.snapshot() as tx:
        assert all(t.reinstated_at is not None for t in tx.orders.targets(body["id"]))
        assert tx.orders.figures(RECEIVED, RECEIVED + timedelta(days=1)).items_reinstated == 2


def test_scrutiny_is_refused_after_48_hours_and_for_a_domestic_order(legal: Legal) -> None:
    late = legal.send(an_order("DE-late")).json()
    with legal.db.transaction() as tx:
        domestic = tx.authorities.create("Fictional Irish Unit", "IE", "test").secret
    home = legal.send(an_order("IE-1"), credential=domestic).json()
    assert home["cross_border"] is False

    with legal.db.transaction() as tx:
        with pytest.raises(OrderRefused, match="window for a scrutiny request closed") as too_late:
            request_scrutiny(tx, late["id"], "reasons", RECEIVED + timedelta(hours=49), "user:l", legal.settings)
        with pytest.raises(OrderRefused, match="only a cross-border order") as not_cross:
            request_scrutiny(tx, home["id"], "reasons", RECEIVED + minutes(5), "user:l", legal.settings)
    assert (too_late.value.status, not_cross.value.status) == (409, 409)
    assert not any(action == "restore" for _, action in _actions(legal))
