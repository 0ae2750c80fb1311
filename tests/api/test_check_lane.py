"""The check lane answers plain checks itself, as the route would, and leaves everything else to the route."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bastion.api import check as check_route
from bastion.api.app import create_app
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from tests.api.asgi_calls import check_scope

_VARYING = {"id", "decided_at"}  # what differs between two checks of the same text


@pytest.fixture
def route_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The platforms the route's own key check gave: one entry per request the route answered."""
    calls: list[str] = []
    original = check_route.platform_holding

    async def counted(*args: Any) -> str:
        platform = await original(*args)
        calls.append(platform)
        return platform

    monkeypatch.setattr(check_route, "platform_holding", counted)
    return calls


def _comparable(response: Any) -> tuple[int, list[tuple[str, str]], Any]:
    headers = [(name, value) for name, value in response.headers.items() if name != "content-length"]
    answer = response.json()
    return response.status_code, headers, {k: v for k, v in answer.items() if k not in _VARYING}


def test_a_plain_check_is_answered_by_the_lane_as_the_route_answers_it(
    client: TestClient, route_calls: list[str]
) -> None:
    text = "A fictional notice: the harbour ferry leaves at nine"
    by_route = client.post("/v1/check", json={"id": "lane-1", "text": text})  # the key is not cached yet
    by_lane = client.post("/v1/check", json={"id": "lane-2", "text": text})
    assert route_calls == ["test-platform"]  # the second never reached the route
    assert by_lane.json()["id"] == "lane-2"
    assert _comparable(by_lane) == _comparable(by_route)


def test_the_lane_stores_what_it_answers(client: TestClient, db: Database) -> None:
    client.post("/v1/check", json={"id": "warm", "text": "hello"})
    verdict = client.post("/v1/check", json={"id": "lane-3", "text": "Join the Crimson Dawn Brigade tonight"}).json()
    with db.snapshot() as tx:
        assert tx.items.verdict_body("test-platform", "lane-3") == verdict


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b'{"id": "x", "text": ', 400, "malformed_json"),
        (b'{"id": "x", "text": "caf\xe9"}', 400, "invalid_utf8"),
        (b'["not", "an", "item"]', 422, "invalid_item"),
        (b'{"id": "", "text": "hello"}', 422, "invalid_item"),
    ],
)
def test_a_known_key_with_a_bad_body_gets_the_routes_refusal_from_the_lane(
    client: TestClient, route_calls: list[str], body: bytes, status: int, error: str
) -> None:
    headers = {"Content-Type": "application/json"}
    by_route = client.post("/v1/check", content=body, headers=headers)  # the key is not cached yet
    by_lane = client.post("/v1/check", content=body, headers=headers)
    assert route_calls == ["test-platform"]  # parsed once: a malformed body is not read twice
    assert (by_lane.status_code, by_lane.json()["error"]) == (status, error)
    assert _comparable(by_lane) == _comparable(by_route)


def test_a_cached_key_without_the_scope_is_refused_by_the_route(settings: Settings, service: Service) -> None:
    with service.db.transaction() as tx:
        reporter = tx.keys.create("reporting-platform", ["report"], actor="test").secret
    with TestClient(create_app(settings, service)) as client:
        client.headers["Authorization"] = f"Bearer {reporter}"
        answers = [client.post("/v1/check", json={"id": "x", "text": "hello"}) for _ in range(2)]  # then cached
    assert [(a.status_code, a.json()["error"]) for a in answers] == [(403, "insufficient_scope")] * 2


def test_an_item_the_pipeline_cannot_check_gets_the_routes_error_answer(settings: Settings, api_key: str) -> None:
    strict = settings.model_copy(update={"max_text_chars": 20})
    with TestClient(create_app(strict, Service.from_settings(strict))) as client:
        client.headers["Authorization"] = f"Bearer {api_key}"
        client.post("/v1/check", json={"id": "warm", "text": "hello"})
        response = client.post("/v1/check", json={"id": "long-1", "text": "A fictional post of some forty letters"})
    assert (response.status_code, response.json()["error"]) == (422, "invalid_content")
    assert "the limit is 20" in response.json()["message"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # the outer middlewares still apply


def test_a_body_sent_in_parts_is_read_whole(client: TestClient, api_key: str) -> None:
    client.post("/v1/check", json={"id": "warm", "text": "hello"})
    app: FastAPI = client.app  # type: ignore[assignment]
    body = json.dumps({"id": "parts-1", "text": "A fictional post sent in two parts"}).encode()
    status, answer = asyncio.run(_call_in_parts(app, api_key, body))
    assert status == 200
    assert json.loads(answer)["id"] == "parts-1"


async def _call_in_parts(app: FastAPI, key: str, body: bytes) -> tuple[int, bytes]:
    half = len(body) // 2
    parts = [
        {"type": "http.request", "body": body[:half], "more_body": True},
        {"type": "http.request", "body": body[half:], "more_body": False},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if parts:
            return parts.pop(0)
        await asyncio.sleep(60)  # the client waits for its answer (bounded: a test never hangs)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [
        (b"authorization", f"Bearer {key}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"host", b"testserver"),
    ]
    scope = check_scope(headers)
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])
