"""Media on an item that does not say it is an image is matched all the same."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.banks.conftest import b64, encode, poster
from tests.banks.test_matching_api import _bank_with_poster, _hash_signal


def test_a_banked_image_sent_as_a_text_posts_attachment_is_removed(client: TestClient) -> None:
    _bank_with_poster(client)

    response = client.post(
        "/v1/check", json={"id": "post-1", "text": "look at this", "media": {"base64": b64(encode(poster(1)))}}
    )

    assert response.status_code == 200, response.text
    assert response.json()["action"] == "remove"
    assert _hash_signal(response.json())["evidence"]["exact"] is True


def test_an_attachment_that_is_no_image_is_known_by_its_bytes(client: TestClient) -> None:
    response = client.post("/v1/check", json={"id": "post-2", "text": "notes", "media": {"base64": b64(b"plain")}})

    assert response.status_code == 200, response.text
    evidence = _hash_signal(response.json())["evidence"]
    assert set(evidence["hashes"]) == {"md5", "sha256"}
    assert response.json()["action"] == "allow"
