"""BASTION_MAX_BODY_BYTES holds on every route, declared or streamed, with /v1/check's 413."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.store.db import Database
from bastion.store.models.core import ItemRow

LIMIT = 1024
PAD = "x" * 50_000

ROUTES = [
    ("/v1/reports", {"item": {"id": "r1", "text": "x", "pad": PAD}, "reporter": "u1", "reason": "terrorism"}),
    ("/v1/banks/b/entries", {"file": "pdq " + "a" * 64 + "\n#" + PAD, "format": "pytx"}),
    ("/v1/check", {"id": "c1", "text": "x", "pad": PAD}),
]


@pytest.fixture
def limited(client: TestClient) -> TestClient:
    assert client.post("/v1/banks", json={"name": "b"}).status_code == 201
    client.app.state.settings.max_body_bytes = LIMIT  # type: ignore[attr-defined]
    return client


def _items(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(ItemRow)) or 0


def _in_chunks(body: dict[str, Any]) -> Iterator[bytes]:
    """A body sent chunked, without a Content-Length, as a streaming client would."""
    data = json.dumps(body).encode()
    yield from (data[start : start + 4096] for start in range(0, len(data), 4096))


def _assert_too_large(response: Any, message: str) -> None:
    assert response.status_code == 413, response.text
    assert response.json() == {"error": "body_too_large", "message": message}


@pytest.mark.parametrize(("path", "body"), ROUTES)
def test_a_declared_body_over_the_limit_is_refused_on_every_route(
    limited: TestClient, db: Database, path: str, body: dict[str, Any]
) -> None:
    response = limited.post(path, json=body)
    declared = response.request.headers["content-length"]
    _assert_too_large(response, f"the body is {declared} bytes; the limit is {LIMIT}")
    assert _items(db) == 0
    assert limited.get("/v1/banks/b/entries").json() == []


@pytest.mark.parametrize(("path", "body"), ROUTES)
def test_a_streamed_body_over_the_limit_is_refused_on_every_route(
    limited: TestClient, db: Database, path: str, body: dict[str, Any]
) -> None:
    response = limited.post(path, content=_in_chunks(body), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    _assert_too_large(response, f"the body is over the limit of {LIMIT} bytes")
    assert _items(db) == 0


def test_a_streamed_body_under_the_limit_still_arrives(limited: TestClient) -> None:
    report = {"item": {"id": "r2", "text": "x"}, "reporter": "u1", "reason": "terrorism"}
    response = limited.post("/v1/reports", content=_in_chunks(report), headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text
