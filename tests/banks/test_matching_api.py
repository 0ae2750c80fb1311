"""Hash matching through the API, on both databases: exact → remove, near → review, allow banks veto."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.banks.matches import quarantine_overmatching
from bastion.core import utcnow
from bastion.store.db import Database
from bastion.store.models.banks import BankEntryRow
from bastion.store.models.core import AuditRow, CaseRow
from tests.banks.conftest import b64, encode, poster, transformed

LABEL = "branded terrorist content"


def _bank_with_poster(client: TestClient, name: str = "gifct-demo", seed: int = 1, benign: bool = False) -> dict:
    assert client.post("/v1/banks", json={"name": name, "benign": benign}).status_code == 201
    response = client.post(
        f"/v1/banks/{name}/entries",
        json={
            "media": [
                {
                    "name": "poster.png",
                    "base64": b64(encode(poster(seed))),
                    "labels": [LABEL],
                    "source": "fictional-hash-share",
                }
            ]
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def _check_image(client: TestClient, item_id: str, data: bytes) -> dict:
    response = client.post("/v1/check", json={"id": item_id, "kind": "image", "media": {"base64": b64(data)}})
    assert response.status_code == 200, response.text
    return response.json()


def _hash_signal(verdict: dict) -> dict:
    return next(s for s in verdict["signals"] if s["detector"] == "hashes")


def test_the_same_bytes_are_removed_with_the_entry_as_evidence(client: TestClient) -> None:
    added = _bank_with_poster(client)
    assert added["added"] == 3  # PDQ, MD5, SHA-256
    verdict = _check_image(client, "img-1", encode(poster(1)))
    signal = _hash_signal(verdict)
    assert verdict["action"] == "remove"
    assert signal["evidence"]["exact"] is True
    assert signal["evidence"]["match"]["bank"] == "gifct-demo"
    assert signal["evidence"]["match"]["labels"] == [LABEL]
    assert signal["category"] == "propaganda"
    assert set(signal["evidence"]["hashes"]) >= {"pdq", "md5", "sha256", "quality"}
    assert any(r["name"] == "known-content-exact-match" for r in verdict["rules"])


def test_a_transformed_copy_goes_to_review_with_its_distance(client: TestClient) -> None:
    _bank_with_poster(client)
    for name, data in transformed(poster(1)).items():
        verdict = _check_image(client, f"copy-{name}", data)
        signal = _hash_signal(verdict)
        assert verdict["action"] == "review", name
        assert 0 <= signal["evidence"]["match"]["distance"] <= 31
        assert signal["evidence"]["exact"] is False


def test_unrelated_images_are_allowed(client: TestClient) -> None:
    _bank_with_poster(client)
    verdict = _check_image(client, "other", encode(poster(99)))
    assert verdict["action"] == "allow"
    assert _hash_signal(verdict)["evidence"]["match"] is None


def test_an_allow_bank_vetoes_the_match(client: TestClient) -> None:
    _bank_with_poster(client)
    _bank_with_poster(client, "known-benign", benign=True)
    verdict = _check_image(client, "vetoed", encode(poster(1)))
    assert verdict["action"] == "allow"
    assert _hash_signal(verdict)["evidence"]["vetoed_by"][0]["bank"] == "known-benign"


def test_a_disabled_bank_does_not_match_and_a_new_entry_matches_at_once(client: TestClient) -> None:
    _bank_with_poster(client)
    assert client.post("/v1/banks/gifct-demo/disable").status_code == 200
    assert _check_image(client, "while-disabled", encode(poster(1)))["action"] == "allow"
    assert client.post("/v1/banks/gifct-demo/enable").status_code == 200
    assert _check_image(client, "enabled-again", encode(poster(1)))["action"] == "remove"
    client.post(
        "/v1/banks/gifct-demo/entries", json={"media": [{"name": "second.png", "base64": b64(encode(poster(2)))}]}
    )
    assert _check_image(client, "new-entry", encode(poster(2)))["action"] == "remove"


def test_raw_hashes_and_bank_files_are_accepted_and_bad_ones_named(client: TestClient) -> None:
    client.post("/v1/banks", json={"name": "raw"})
    ok = client.post("/v1/banks/raw/entries", json={"hashes": [{"kind": "md5", "value": "0" * 32}]})
    assert ok.status_code == 201 and ok.json()["added"] == 1
    bad = client.post("/v1/banks/raw/entries", json={"hashes": [{"kind": "pdq", "value": "xyz"}]})
    assert bad.status_code == 422 and "not a pdq hash" in bad.json()["message"]
    file = client.post("/v1/banks/raw/entries", json={"file": "hash,label\n" + "ab" * 32 + ",attack footage\n"})
    assert file.json()["added"] == 1
    assert client.post("/v1/banks/missing/entries", json={"hashes": [{"value": "0" * 64}]}).status_code == 404
    assert client.post("/v1/banks", json={"name": "raw"}).status_code == 409


def test_undecodable_media_is_a_clear_422(client: TestClient) -> None:
    response = client.post("/v1/check", json={"id": "bad", "kind": "image", "media": {"base64": b64(b"not an image")}})
    assert response.status_code == 422
    assert "not a decodable image" in response.json()["message"]


def test_matches_are_recorded_once_and_overmatching_entries_quarantined(client: TestClient, db: Database) -> None:
    _bank_with_poster(client)
    for copy in range(3):
        _check_image(client, f"flood-{copy}", encode(poster(1)))
    _check_image(client, "flood-0", encode(poster(1)))  # a re-check is not a new match
    with db.transaction() as tx:
        quarantined = quarantine_overmatching(tx, utcnow(), per_hour=2)
    assert len(quarantined) == 3  # the PDQ, MD5 and SHA-256 entries each matched 3 distinct items
    with db.reader() as session:
        states = {e.kind: e.state for e in session.scalars(select(BankEntryRow))}
        audited = session.scalars(select(AuditRow.action).where(AuditRow.action == "bank.entry.quarantined")).all()
    assert "quarantined" in states.values()
    assert len(audited) == len(quarantined)


def test_entries_added_later_match_items_seen_before(client: TestClient, db: Database) -> None:
    assert _check_image(client, "seen-before", encode(poster(3)))["action"] == "allow"
    _bank_with_poster(client, "late-bank", seed=3)
    with db.reader() as session:
        case = session.scalars(select(CaseRow).where(CaseRow.item_id == "seen-before")).one()
    assert case.source == "retro"
    assert case.priority == 60


def test_feedback_and_removal_are_audited(client: TestClient, db: Database) -> None:
    added = _bank_with_poster(client)
    entry = added["entry_ids"][0]
    assert (
        client.post(f"/v1/banks/entries/{entry}/feedback", json={"opinion": "dispute", "note": "a logo"}).status_code
        == 200
    )
    assert client.delete(f"/v1/banks/entries/{entry}").status_code == 200
    with db.reader() as session:
        actions = set(session.scalars(select(AuditRow.action)))
    assert {"bank.create", "bank.add", "bank.entry.dispute", "bank.entry.removed"} <= actions
