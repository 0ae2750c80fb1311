"""An empty upload is refused with a message naming it, whatever the item's kind (an empty file `bastion scan`
reads is tests/cli/test_scan_bad_input.py's)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("kind", ["text", "image", "video"])
def test_an_empty_upload_is_a_422_naming_the_empty_file(client: TestClient, kind: str) -> None:
    item = {"id": f"empty-{kind}", "kind": kind, "text": "see attachment"}
    response = client.post(
        "/v1/check", data={"item": json.dumps(item)}, files={"media": ("empty.bin", b"", "application/octet-stream")}
    )

    assert response.status_code == 422, response.text
    assert response.json()["message"] == "the uploaded media file is empty"


@pytest.mark.parametrize("kind", ["image", "video"])
def test_an_image_or_video_sent_as_a_link_only_is_a_422_asking_for_its_bytes(client: TestClient, kind: str) -> None:
    item = {"id": f"link-{kind}", "kind": kind, "media": {"url": "https://media.example/poster.png"}}

    response = client.post("/v1/check", json=item)

    assert response.status_code == 422, response.text
    assert "items need their media bytes" in response.json()["message"]
