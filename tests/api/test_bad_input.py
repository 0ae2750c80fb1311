"""Every bad request gets a clear 4xx and writes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.store.db import Database
from bastion.store.models.core import ItemRow


def _items(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(ItemRow)) or 0


@pytest.mark.parametrize(
    ("body", "status", "error", "says"),
    [
        (b'{"id": "x", "text": ', 400, "malformed_json", "line 1"),
        (b'{"id": "x", "text": "caf\xe9"}', 400, "invalid_utf8", "UTF-8"),
        (b"[1, 2]", 422, "invalid_item", "JSON object"),
        (b'{"text": "no id"}', 422, "invalid_item", "id"),
        (b'{"id": 7, "text": "x"}', 422, "invalid_item", "id"),
        (b'{"id": "x", "kind": "hologram", "text": "x"}', 422, "invalid_item", "kind"),
        (b'{"id": "x"}', 422, "invalid_item", "text"),
        (b'{"id": "x", "text": 12}', 422, "invalid_item", "text"),
        (b'{"id": "x", "media": {"base64": "!!not base64!!"}}', 422, "invalid_item", "base64"),
        (b'{"id": "x", "text": "x", "created_at": "yesterday"}', 422, "invalid_item", "created_at"),
        (b'{"id": "", "text": "x"}', 422, "invalid_item", "id"),
    ],
)
def test_bad_body_gets_a_clear_error(
    client: TestClient, db: Database, body: bytes, status: int, error: str, says: str
) -> None:
    response = client.post("/v1/check", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["error"] == error
    assert says in response.json()["message"]
    assert _items(db) == 0


def test_oversized_body_is_refused(client: TestClient, db: Database) -> None:
    client.app.state.settings.max_body_bytes = 1000  # type: ignore[attr-defined]
    response = client.post("/v1/check", json={"id": "big", "text": "x" * 5000})
    assert response.status_code == 413
    assert "limit" in response.json()["message"]
    assert _items(db) == 0


def test_over_long_text_is_refused(client: TestClient, db: Database) -> None:
    client.app.state.service.pipeline.max_text_chars = 100  # type: ignore[attr-defined]
    response = client.post("/v1/check", json={"id": "long", "text": "y" * 500})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_content"


def test_wrong_content_type_is_refused(client: TestClient) -> None:
    response = client.post("/v1/check", content=b"id=x", headers={"content-type": "text/plain"})
    assert response.status_code == 415


def test_missing_and_wrong_keys_are_refused(client: TestClient) -> None:
    anonymous = client.post("/v1/check", json={"id": "x", "text": "x"}, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    wrong = client.post("/v1/check", json={"id": "x", "text": "x"}, headers={"Authorization": "Bearer bst_nope_nope"})
    assert wrong.status_code == 401
    assert "API key" in wrong.json()["message"]


def test_unicode_tricks_do_not_break_checking(client: TestClient) -> None:
    tricky = "J\u200bO\u200dI\u2066N the C\u0433imson \u202eDawn\u202c Brigade \U0001f600 \ufeff"
    response = client.post("/v1/check", json={"id": "u", "text": tricky})
    assert response.status_code == 200
