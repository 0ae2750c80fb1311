"""What the five-minute schemathesis run (bench/fuzz.py) found: the server now answers as its schema says."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_method_a_path_does_not_serve_is_a_405_naming_the_ones_it_does(client: TestClient) -> None:
    """`DELETE /v1/symbols/banks` reached `DELETE /v1/symbols/{symbol_id}` (a 422 about the id), and every 405
    said `Allow:` with nothing after it."""
    symbols = client.delete("/v1/symbols/banks")
    banks = client.put("/v1/banks")

    assert (symbols.status_code, symbols.headers["allow"]) == (405, "GET, POST")
    assert (banks.status_code, banks.headers["allow"]) == (405, "GET, POST")
    assert client.delete("/v1/symbols/9223372036854775808").status_code == 422  # past a row id, as elsewhere


def test_a_complaint_id_past_a_row_id_is_a_422_not_a_500(client: TestClient) -> None:
    response = client.get("/v1/complaints/691562676272568699507832405360640")

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "path.complaint_id"


def test_a_symbol_bank_export_is_sent_as_the_json_lines_the_schema_documents(client: TestClient) -> None:
    assert client.post("/v1/symbols/banks", json={"name": "ours"}).status_code == 201

    export = client.get("/v1/symbols/banks/ours/export")

    documented = client.get("/openapi.json").json()["paths"]["/v1/symbols/banks/{name}/export"]["get"]
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/x-ndjson")
    assert list(documented["responses"]["200"]["content"]) == ["application/x-ndjson"]
