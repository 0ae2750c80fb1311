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
        (b'{"id": "x", "text": "x", "media": {"path": "/etc/passwd"}}', 422, "invalid_item", "media.path"),
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


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"id": "x", "text": "x", "m": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        (b'{"id": "x", "text": "x", "n": ' + b"9" * 5000 + b"}", "too many digits"),
        # Under the parser's own limit, but deeper than any walk downstream should recurse (once a 500).
        (b'{"id": "x", "text": "x", "m": ' + b'{"a": ' * 600 + b'"\\ud800"' + b"}" * 600 + b"}", "nested too deeply"),
    ],
)
def test_hostile_json_is_a_clear_400(client: TestClient, db: Database, body: bytes, says: str) -> None:
    response = client.post("/v1/check", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert says in response.json()["message"]
    assert _items(db) == 0


def test_half_an_emoji_is_repaired_and_the_post_still_judged(client: TestClient, db: Database) -> None:
    post = b'{"id": "cut", "text": "Brothers, J O I N the Crimson Dawn Brigade today \\ud83d", "title": "\\ud800"}'
    response = client.post("/v1/check", content=post, headers={"content-type": "application/json"})

    assert response.status_code == 200, response.text
    assert response.json()["action"] == "review"
    assert response.json()["rule_errors"] == []
    with db.reader() as session:
        row = session.get(ItemRow, {"platform": "test-platform", "id": "cut"})
        assert row is not None and row.item_metadata == {"title": "\ufffd"}


def test_a_time_without_a_zone_is_read_as_utc(client: TestClient) -> None:
    response = client.post("/v1/check", json={"id": "naive", "text": "x", "created_at": "2024-05-01T12:00:00"})

    assert response.status_code == 200, response.text


def test_every_endpoint_answers_malformed_json_alike(client: TestClient) -> None:
    for path in ("/v1/reports", "/v1/banks"):
        response = client.post(path, content=b'{"name": ', headers={"content-type": "application/json"})

        assert response.status_code == 400, path
        assert response.json()["error"] == "malformed_json"


@pytest.mark.parametrize("reporter", ["line\nbreak", "\u202etxet", ""])
def test_a_reporter_id_must_be_printable(client: TestClient, reporter: str) -> None:
    report = {"item": {"id": "r1", "text": "a post"}, "reporter": reporter, "reason": "terrorism"}

    response = client.post("/v1/reports", json=report)

    assert response.status_code == 422
    assert "reporter" in response.json()["message"]


def test_metadata_past_its_size_limit_is_refused(client: TestClient, db: Database) -> None:
    """Every metadata value is work for every rule and write: a body of 0.96 MB of them held a process for seconds."""
    body = {"id": "many", "text": "x", "tags": ["t"] * 3000, "metadata": {"more": list(range(3000))}}

    response = client.post("/v1/check", json=body)

    assert response.status_code == 422
    assert "metadata holds" in response.json()["message"]
    assert _items(db) == 0


def test_a_body_of_more_objects_than_an_item_may_hold_is_refused_unread(client: TestClient, db: Database) -> None:
    leaf = '{"a": ' * 50 + '"end \\ud83d"' + "}" * 50
    body = ('{"id": "x", "text": "x", "m": [' + ", ".join([leaf] * 300) + "]}").encode()

    response = client.post("/v1/check", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert "at most 5000 metadata values" in response.json()["message"]
    assert _items(db) == 0
