"""`/docs` needs nothing from outside this process: Swagger UI's script, stylesheet and icon are served locally."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_docs_page_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "<title>Bastion API</title>" in page.text
    assets = re.findall(r'(?:href|src)="([^"]+)"', page.text)
    assert sorted(assets) == [
        "/docs/assets/favicon.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
    ]
    assert "http" not in page.text and '"validatorUrl": null' in page.text  # no badge from swagger.io either
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_docs_describe_the_api_and_the_cdn_pages_are_gone(client: TestClient) -> None:
    assert "/v1/check" in client.get("/openapi.json").json()["paths"]
    assert client.get("/redoc").status_code == 404  # FastAPI's ReDoc page loads from a CDN: not served
    assert "/docs" not in client.get("/openapi.json").json()["paths"]
