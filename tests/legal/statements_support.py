"""What the statement-of-reasons tests share: a moderator deciding through the web UI, the statements and the
`statement_of_reasons` actions as stored, and a text item the platform checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bastion.store.models.review import OutboxRow
from bastion.store.models.statements import StatementRow
from tests.legal.orders_support import Legal, logged_in

RECRUITING = "Brothers, join the Crimson Dawn Brigade today. The gates are open."


def check_text(legal: Legal, item_id: str, text: str = RECRUITING, author: str = "acct-77") -> None:
    item = {"id": item_id, "text": text, "author": author, "created_at": "2026-02-27T08:00:00Z"}
    response = legal.client.post("/v1/check", json=item, headers={"Authorization": f"Bearer {legal.platform_key}"})
    assert response.status_code == 200, response.text


def case_of(legal: Legal, item_id: str) -> int:
    with legal.db.snapshot() as tx:
        case = tx.cases.for_item("forum-a", item_id)
    assert case is not None
    return case.id


def web_decide(legal: Legal, role: str, case_id: int, decision: str, **form: str) -> None:
    """A person of `role` opens the case, claims it and decides it in the web UI."""
    client, csrf = logged_in(legal, role)
    assert client.get(f"/cases/{case_id}").status_code == 200
    client.post(f"/cases/{case_id}/claim", data={"csrf": csrf})
    response = client.post(f"/cases/{case_id}/decide", data={"decision": decision, "csrf": csrf, **form})
    assert response.status_code == 303 and response.headers["location"].startswith("/queue"), response.headers


def statements(legal: Legal, item_id: str | None = None) -> list[StatementRow]:
    with legal.db.snapshot() as tx:
        query = select(StatementRow).order_by(StatementRow.id)
        if item_id is not None:
            query = query.where(StatementRow.item_id == item_id)
        return list(tx.session.scalars(query))


def told(legal: Legal, item_id: str | None = None) -> list[dict[str, Any]]:
    """The `statement_of_reasons` actions queued for the platform (their details), oldest first."""
    with legal.db.snapshot() as tx:
        query = select(OutboxRow).where(OutboxRow.action == "statement_of_reasons").order_by(OutboxRow.id)
        if item_id is not None:
            query = query.where(OutboxRow.item_id == item_id)
        return [dict(row.payload) for row in tx.session.scalars(query)]
