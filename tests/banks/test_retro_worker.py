"""Retroactive matching runs by itself and loses nothing: pending entries are matched once, even after a crash."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.api.app import create_app
from bastion.banks.entries import NewEntry, add_entries, set_entry_state
from bastion.media.hashing import hash_image
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.models.banks import BankMatchRow
from bastion.store.models.core import CaseRow
from bastion.workers.retro import match_all_pending
from tests.banks.conftest import b64, encode, poster


def _seen(client: TestClient, item_id: str, seed: int) -> None:
    body = {"id": item_id, "kind": "image", "media": {"base64": b64(encode(poster(seed)))}}
    assert client.post("/v1/check", json=body).json()["action"] == "allow"


def _add_without_matching(client: TestClient, db: Database, seed: int) -> list[int]:
    """What a process that died right after committing new entries leaves behind."""
    client.post("/v1/banks", json={"name": "late-share"})
    pdq = hash_image(encode(poster(seed))).pdq[0]
    with db.transaction() as tx:
        added, _ = add_entries(tx, "late-share", [NewEntry("pdq", pdq, ["attack footage"])], "test")
    return added


def _retro_cases(db: Database) -> list[str]:
    with db.reader() as session:
        return list(session.scalars(select(CaseRow.item_id).where(CaseRow.source == "retro")))


def test_entries_left_pending_by_a_crash_are_matched_once(client: TestClient, db: Database, settings: Settings) -> None:
    _seen(client, "seen-first", 4)
    [entry_id] = _add_without_matching(client, db, 4)
    assert match_all_pending(db, settings)[0] == 1
    assert match_all_pending(db, settings) == (0, [])  # nothing pending twice
    assert _retro_cases(db) == ["seen-first"]
    with db.reader() as session:
        assert session.scalar(select(BankMatchRow.item_id).where(BankMatchRow.entry_id == entry_id)) == "seen-first"


def test_an_entry_back_from_quarantine_catches_up(client: TestClient, db: Database, settings: Settings) -> None:
    [entry_id] = _add_without_matching(client, db, 5)
    match_all_pending(db, settings)
    with db.transaction() as tx:
        set_entry_state(tx, entry_id, "quarantined", "test")
    _seen(client, "seen-during-quarantine", 5)
    with db.transaction() as tx:
        set_entry_state(tx, entry_id, "active", "test")
    assert match_all_pending(db, settings)[0] == 1
    assert _retro_cases(db) == ["seen-during-quarantine"]


def test_the_worker_beside_the_api_matches_pending_entries_by_itself(
    settings: Settings, db: Database, api_key: str
) -> None:
    often = settings.model_copy(update={"retro_match_interval_seconds": 0.05})
    with TestClient(create_app(often, Service.from_settings(often, db))) as api:
        api.headers["Authorization"] = f"Bearer {api_key}"
        _seen(api, "seen-long-ago", 6)
        _add_without_matching(api, db, 6)  # no request asks for matching: the loop must find it
        for _ in range(200):  # the loop comes round every 0.05 s; give it up to ~10 s on a busy machine
            if _retro_cases(db):
                break
            time.sleep(0.05)
    assert _retro_cases(db) == ["seen-long-ago"]
