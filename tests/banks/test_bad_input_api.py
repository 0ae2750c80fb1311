"""`/v1/banks` given hostile or sloppy input: a 4xx that says what is wrong, never a 500, and nothing half-added."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

PDQ = "f" * 16 + "0" * 48
HUGE_ID = 99999999999999999999999


def _post(client: TestClient, url: str, body: dict[str, Any]) -> httpx.Response:
    """JSON with lone surrogates escaped as `\\ud800`, as a hostile client sends them."""
    return client.post(url, content=json.dumps(body), headers={"content-type": "application/json"})


@pytest.fixture
def bank(client: TestClient) -> str:
    assert client.post("/v1/banks", json={"name": "share"}).status_code == 201
    return "/v1/banks/share/entries"


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ('{"hash": "' + PDQ + '", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "line 1: malformed JSON: nested too"),
        ('{"hash": "' + PDQ + '", "confidence": 1' + "0" * 5000 + "}\n", "line 1: malformed JSON: a number has"),
        ('{"hash": "' + PDQ + '", "confidence": NaN}\n', "line 1: confidence nan is not a number between 0 and 1"),
        ('{"hash": "' + PDQ + '", "source": {"a": 1}}\n', "line 1: 'source' must be a string"),
    ],
)
def test_a_bad_jsonl_file_is_a_422_naming_the_line(client: TestClient, bank: str, file: str, message: str) -> None:
    response = client.post(bank, json={"file": file, "format": "jsonl"})
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]


def test_a_csv_cell_over_the_field_limit_is_a_422(client: TestClient, bank: str) -> None:
    response = client.post(bank, json={"file": f'hash,label\n{PDQ},"{"L" * 200_000}"\n', "format": "csv"})
    assert response.status_code == 422
    assert "line 2: a field is too large" in response.json()["message"]


@pytest.mark.parametrize(
    ("hash_in", "message"),
    [
        ({"value": PDQ, "labels": ["\ud800"]}, "hashes[1]: a label is not valid Unicode"),
        ({"value": PDQ, "source": "\udfff"}, "hashes[1]: source is not valid Unicode"),
    ],
)
def test_a_surrogate_never_reaches_the_bank_so_its_listing_keeps_working(
    client: TestClient, bank: str, hash_in: dict[str, Any], message: str
) -> None:
    response = _post(client, bank, {"hashes": [{"value": "0" * 64}, hash_in]})
    assert response.status_code == 422
    assert message in response.json()["message"]
    listing = client.get(bank)
    assert listing.status_code == 200 and listing.json() == []  # the good hash beside it was not added either


def test_surrogates_in_a_description_or_a_feedback_note_are_a_422(client: TestClient, bank: str) -> None:
    created = _post(client, "/v1/banks", {"name": "other", "description": "\ud800"})
    assert created.status_code == 422 and "description is not valid Unicode" in created.json()["message"]
    [entry] = client.post(bank, json={"hashes": [{"value": PDQ}]}).json()["entry_ids"]
    note = _post(client, f"/v1/banks/entries/{entry}/feedback", {"opinion": "dispute", "note": "\ud800"})
    assert note.status_code == 422 and "note is not valid Unicode" in note.json()["message"]


def test_an_entry_id_too_large_for_the_database_is_a_422_naming_it(client: TestClient) -> None:
    """Row ids are 64-bit: a larger one is outside what the schema says an id is (not a 500 from the driver)."""
    removed = client.delete(f"/v1/banks/entries/{HUGE_ID}")
    assert removed.status_code == 422 and "entry_id" in removed.text
    feedback = client.post(f"/v1/banks/entries/{HUGE_ID}/feedback", json={"opinion": "confirm"})
    assert feedback.status_code == 422 and "entry_id" in feedback.text


def test_a_bank_file_with_a_utf8_bom_is_read(client: TestClient, bank: str) -> None:
    response = client.post(bank, json={"file": f"\ufeffsignal_type,signal_value\npdq,{PDQ}\n", "format": "hma"})
    assert response.status_code == 201 and response.json()["added"] == 1


def test_a_request_with_nothing_to_add_is_still_a_422(client: TestClient, bank: str) -> None:
    response = client.post(bank, json={"file": "# only a comment\n", "format": "pytx"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_entries"
