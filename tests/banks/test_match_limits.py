"""The limits that decide a hash match, through the API: the default PDQ distance (31, not less),
an allow bank's veto on near copies as well as exact ones, and the one-hour quarantine window."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from bastion.banks.matches import quarantine_overmatching
from bastion.core import utcnow
from bastion.media.hashing import hash_image
from bastion.store.db import Database
from tests.banks.conftest import b64, encode, poster


def _flipped(pdq: str, bits: int) -> str:
    """The hash with its first `bits` bits inverted: exactly `bits` away."""
    value = int(pdq, 16) ^ (((1 << bits) - 1) << (256 - bits))
    return f"{value:064x}"


def _pdq(seed: int) -> str:
    return hash_image(encode(poster(seed))).pdq[0]


def _bank(client: TestClient, name: str, hashes: list[dict], benign: bool = False) -> None:
    assert client.post("/v1/banks", json={"name": name, "benign": benign}).status_code == 201
    response = client.post(f"/v1/banks/{name}/entries", json={"hashes": hashes})
    assert response.status_code == 201, response.text


def _check(client: TestClient, item_id: str, seed: int) -> dict:
    response = client.post(
        "/v1/check", json={"id": item_id, "kind": "image", "media": {"base64": b64(encode(poster(seed)))}}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _match(verdict: dict) -> dict | None:
    return next(s for s in verdict["signals"] if s["detector"] == "hashes")["evidence"]["match"]


def test_a_copy_31_bits_away_matches_at_the_default_threshold(client: TestClient) -> None:
    _bank(client, "near", [{"kind": "pdq", "value": _flipped(_pdq(4), 31)}])

    verdict = _check(client, "at-the-line", 4)

    assert verdict["action"] == "review"
    assert (_match(verdict) or {}).get("distance") == 31


def test_a_copy_32_bits_away_does_not(client: TestClient) -> None:
    _bank(client, "near", [{"kind": "pdq", "value": _flipped(_pdq(4), 32)}])

    verdict = _check(client, "past-the-line", 4)

    assert verdict["action"] == "allow"
    assert _match(verdict) is None


def test_an_allow_bank_vetoes_an_exact_match_with_a_near_entry(client: TestClient) -> None:
    exact = {"kind": "sha256", "value": hash_image(encode(poster(5))).sha256}
    _bank(client, "blocked", [exact])
    _bank(client, "known-benign", [{"kind": "pdq", "value": _flipped(_pdq(5), 10)}], benign=True)

    verdict = _check(client, "vetoed-by-a-near-entry", 5)

    assert verdict["action"] == "allow"
    evidence = next(s for s in verdict["signals"] if s["detector"] == "hashes")["evidence"]
    assert [v["bank"] for v in evidence["vetoed_by"]] == ["known-benign"]


def test_only_matches_in_the_last_hour_count_towards_quarantine(client: TestClient, db: Database) -> None:
    _bank(client, "blocked", [{"kind": "sha256", "value": hash_image(encode(poster(6))).sha256}])
    for copy in range(3):
        assert _check(client, f"flood-{copy}", 6)["action"] == "remove"

    with db.transaction() as tx:
        two_hours_later = quarantine_overmatching(tx, utcnow() + timedelta(hours=2), per_hour=2)
    with db.transaction() as tx:
        now = quarantine_overmatching(tx, utcnow(), per_hour=2)

    assert two_hours_later == []
    assert len(now) == 1
