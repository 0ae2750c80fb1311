"""One error vocabulary on every endpoint, and a client that leaves is no error of ours."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.service import Service
from bastion.settings import Settings
from tests.api.asgi_calls import check_scope

_NOT_UTF8 = b'{"id": "x", "text": "caf\xe9"}'


def _json_posts(client: TestClient) -> list[str]:
    """Every POST operation that reads a JSON body, as the schema describes them."""
    schema = client.get("/openapi.json").json()
    return sorted(
        path
        for path, operations in schema["paths"].items()
        if "application/json" in (operations.get("post", {}).get("requestBody", {}).get("content") or {})
        and "{" not in path
    )


def test_invalid_utf8_gets_the_same_answer_everywhere(client: TestClient) -> None:
    paths = _json_posts(client)
    assert {"/v1/check", "/v1/reports", "/v1/banks"} <= set(paths)

    answers = {
        path: client.post(path, content=_NOT_UTF8, headers={"content-type": "application/json"}) for path in paths
    }

    assert {path: (r.status_code, r.json()["error"]) for path, r in answers.items()} == {
        path: (400, "invalid_utf8") for path in paths
    }


def test_an_item_not_utf8_in_a_multipart_form_is_refused_as_in_a_json_body(client: TestClient) -> None:
    """The form's `item` field was read as latin-1: "caf\xe9" became "café" and was checked."""
    as_json = client.post("/v1/check", content=_NOT_UTF8, headers={"content-type": "application/json"})

    as_form = client.post("/v1/check", files={"item": (None, _NOT_UTF8)})

    assert (as_form.status_code, as_form.json()["error"]) == (as_json.status_code, as_json.json()["error"])
    assert (as_form.status_code, as_form.json()["error"]) == (400, "invalid_utf8")
    assert client.post("/v1/check", files={"item": (None, '{"id": "y", "text": "café"}'.encode())}).status_code == 200


async def _disconnecting_client(app: Any, api_key: str) -> list[dict[str, Any]]:
    """Call the app the way a server does when the client goes away before sending its body."""
    sent: list[dict[str, Any]] = []
    scope = check_scope([(b"content-type", b"application/json"), (b"authorization", f"Bearer {api_key}".encode())])

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_a_client_that_leaves_mid_body_is_not_an_error(
    settings: Settings, service: Service, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, service)

    sent = asyncio.run(_disconnecting_client(app, api_key))  # once an unhandled ClientDisconnect: a traceback

    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
    assert "Traceback" not in caplog.text
