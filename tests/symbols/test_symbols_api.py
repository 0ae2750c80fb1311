"""`/v1/symbols` and `/v1/check` with symbols: the hash banks' scopes and ownership rules, and bad images refused."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bastion.api.scopes import Scope
from bastion.core import Bank
from bastion.store.db import Database
from bastion.symbols.registry import add_symbol, create_symbol_bank
from tests.symbols.conftest import emblem_png, emblem_scene

OTHER = "other-platform"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _headers(db: Database, platform: str, scopes: Any) -> dict[str, str]:
    with db.transaction() as tx:
        return {"Authorization": f"Bearer {tx.keys.create(platform, scopes).secret}"}


def _register(client: TestClient, bank: str = "ours", headers: dict[str, str] | None = None) -> dict[str, Any]:
    assert client.post("/v1/symbols/banks", json={"name": bank}, headers=headers).status_code == 201
    body = {"label": "Crimson Dawn emblem", "images": [_b64(emblem_png())], "source": "fictional"}
    response = client.post(f"/v1/symbols/banks/{bank}/symbols", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _check(client: TestClient, data: bytes, headers: dict[str, str] | None = None) -> Any:
    item = {"id": "leaflet", "kind": "image", "media": {"base64": _b64(data)}}
    return client.post("/v1/check", json=item, headers=headers)


def test_a_platform_registers_a_symbol_and_its_images_are_matched(client: TestClient) -> None:
    symbol = _register(client)
    assert symbol["label"] == "Crimson Dawn emblem" and symbol["references"] == 1 and symbol["precision"] is None
    verdict = _check(client, emblem_scene()).json()
    assert verdict["action"] == "review"
    [signal] = [s for s in verdict["signals"] if s["detector"] == "symbols"]
    assert signal["evidence"]["bank"] == "test-platform/ours" and len(signal["evidence"]["polygon"]) == 4
    listed = client.get("/v1/symbols/banks").json()
    assert [(b["name"], b["entries"], b["read_only"]) for b in listed] == [("ours", 1, False)]


def test_another_platform_neither_sees_nor_is_matched_by_a_private_symbol_bank(
    client: TestClient, db: Database
) -> None:
    _register(client)
    other = _headers(db, OTHER, Scope)
    assert client.get("/v1/symbols/banks/ours/symbols", headers=other).status_code == 404
    verdict = _check(client, emblem_scene(), other).json()
    assert verdict["action"] == "allow" and all(s["detector"] != "symbols" for s in verdict["signals"])


def test_an_installation_symbol_bank_matches_everyone_and_is_read_only_to_keys(
    client: TestClient, db: Database
) -> None:
    with db.transaction() as tx:
        create_symbol_bank(tx, Bank(name="shared"), "operator")
        add_symbol(tx, "shared", [emblem_png()], "Crimson Dawn emblem", "operator")
    assert _check(client, emblem_scene()).json()["action"] == "review"
    body = {"label": "more", "images": [_b64(emblem_png())]}
    response = client.post("/v1/symbols/banks/shared/symbols", json=body)
    assert response.status_code == 403 and response.json()["error"] == "read_only_bank"
    assert client.delete("/v1/symbols/1").status_code == 403


def test_scopes_are_the_hash_banks_scopes(client: TestClient, db: Database) -> None:
    _register(client)
    check_only = _headers(db, "test-platform", [Scope.CHECK])
    assert client.get("/v1/symbols/banks", headers=check_only).status_code == 403
    writer = _headers(db, "test-platform", [Scope.BANKS_READ, Scope.BANKS_WRITE])
    assert client.post("/v1/symbols/banks/ours/disable", headers=writer).status_code == 403  # an admin's act
    assert client.post("/v1/symbols/banks/ours/disable").status_code == 200
    assert _check(client, emblem_scene()).json()["action"] == "allow"
    assert client.post("/v1/symbols/banks/ours/enable", headers=writer).status_code == 200


def test_export_and_import_round_trip(client: TestClient) -> None:
    _register(client)
    exported = client.get("/v1/symbols/banks/ours/export")
    assert exported.status_code == 200 and '"label": "Crimson Dawn emblem"' in exported.text
    assert client.post("/v1/symbols/banks", json={"name": "copy"}).status_code == 201
    response = client.post("/v1/symbols/banks/copy/import", json={"file": exported.text})
    assert response.status_code == 201 and response.json()["added"] == 1


def _png_claiming(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose header claims another size."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _bomb() -> bytes:
    """A decompression bomb: a 60 kB grey PNG that inflates to 10,000 x 10,000 pixels (100 MB)."""
    side = 10_000

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * ((side + 1) * side), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


BAD_IMAGES = {
    "bomb": (_bomb, "the limit is 50000000 pixels"),
    "truncated": (lambda: emblem_scene()[:3000], "not a decodable image"),
    "20000x20000": (lambda: _png_claiming(20_000, 20_000), "too large to decode safely"),
}


@pytest.mark.parametrize("name", BAD_IMAGES)
def test_bad_images_are_a_clear_422_when_checked_and_when_registered(client: TestClient, name: str) -> None:
    make, message = BAD_IMAGES[name]
    data = make()
    _register(client)
    checked = _check(client, data)
    assert checked.status_code == 422 and checked.json()["error"] == "invalid_content"
    assert message in checked.json()["message"]
    body = {"label": "bad", "images": [_b64(data)]}
    registered = client.post("/v1/symbols/banks/ours/symbols", json=body)
    assert registered.status_code == 422 and message in registered.json()["message"], registered.text
    assert "Traceback" not in registered.text
