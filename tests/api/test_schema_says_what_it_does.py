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


def test_static_files_name_get_and_head_when_refusing_a_post(client: TestClient) -> None:
    refused = client.post("/static/htmx.min.js")

    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")


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


def test_a_bank_s_flags_and_numbers_are_the_json_types_the_schema_names(client: TestClient) -> None:
    """`"benign": 0` made an ordinary bank (pydantic reads 0, "no" or "3" as what the field holds)."""
    refused = [
        client.post("/v1/banks", json={"name": "b1", "benign": 0}),
        client.post("/v1/banks", json={"name": "b2", "enabled": "yes"}),
        client.post("/v1/banks", json={"name": "b3", "pdq_threshold": "3"}),
        client.post("/v1/symbols/banks", json={"name": "s1", "benign": 1}),
    ]

    assert [(r.status_code, r.json()["error"]) for r in refused] == [(422, "invalid_request")] * 4
    assert client.post("/v1/banks", json={"name": "b4", "benign": True, "pdq_threshold": 3}).status_code == 201
    entry = {"hashes": [{"kind": "md5", "value": "0" * 32, "confidence": "0.5"}]}
    assert client.post("/v1/banks/b4/entries", json=entry).status_code == 422


def test_an_item_s_time_is_iso_8601_text_not_a_number(client: TestClient) -> None:
    """A number (or digits) was read as Unix time, seconds or milliseconds by its size; the contract says ISO 8601."""
    item = {"id": "t", "text": "an ordinary post"}

    answers = [
        client.post("/v1/check", json={**item, "created_at": 0}),
        client.post("/v1/check", json={**item, "created_at": "1714560000"}),
        client.post("/v1/reports", json={"item": {**item, "created_at": 0}, "reporter": "r", "reason": "terrorism"}),
    ]

    assert [r.status_code for r in answers] == [422] * 3
    assert "ISO 8601" in answers[0].json()["message"] and "created_at" in answers[0].json()["message"]
    assert client.post("/v1/check", json={**item, "created_at": "2024-05-01T12:00:00Z"}).status_code == 200
