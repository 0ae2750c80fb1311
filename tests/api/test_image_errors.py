"""An image Bastion cannot decode gets a 422 a user can read: Bastion's own limit, no Python object reprs."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from bastion.settings import Settings

PIXEL_LIMIT = 1_000_000


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url, max_image_pixels=PIXEL_LIMIT)


def _png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims another size: a decompression bomb's shape."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _check_image(client: TestClient, data: bytes) -> str:
    item = {"id": "img", "kind": "image", "media": {"base64": base64.b64encode(data).decode()}}
    response = client.post("/v1/check", json=item)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_content"
    return str(response.json()["message"])


@pytest.mark.parametrize("side", [2_000, 15_000, 100_000])  # under, between and over Pillow's own two limits
def test_an_image_over_the_pixel_limit_names_bastions_limit(client: TestClient, side: int) -> None:
    message = _check_image(client, _png_claiming(side, side))
    assert f"the limit is {PIXEL_LIMIT} pixels" in message
    assert "178956970" not in message and "89478485" not in message


@pytest.mark.parametrize("data", [b"random bytes, not an image", b"%PDF-1.7 a document", b"\xff\xd8\xff"])
def test_bytes_that_are_no_image_are_refused_without_object_reprs(client: TestClient, data: bytes) -> None:
    message = _check_image(client, data)
    assert message.startswith("the media is not a decodable image")
    assert "<" not in message and "0x" not in message
