"""vPDQ: videos in banks, matched by the share of frames they have in common, through the API."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.banks.entries import NewEntry
from bastion.banks.formats import read_entries, write_entries
from bastion.banks.vpdq import coverage, parse_frames
from bastion.store.db import Database
from bastion.store.models.core import CaseRow
from tests.banks.conftest import b64, encode, poster, video

FOOTAGE = "attack footage"


def _video_bank(client: TestClient, seeds: tuple[int, ...]) -> dict:
    assert client.post("/v1/banks", json={"name": "video-share"}).status_code == 201
    media = [{"name": "footage.mp4", "base64": b64(video(seeds)), "labels": [FOOTAGE]}]
    response = client.post("/v1/banks/video-share/entries", json={"media": media})
    assert response.status_code == 201, response.text
    return response.json()


def _check(client: TestClient, item_id: str, kind: str, data: bytes) -> dict:
    response = client.post("/v1/check", json={"id": item_id, "kind": kind, "media": {"base64": b64(data)}})
    assert response.status_code == 200, response.text
    return response.json()


def _evidence(verdict: dict) -> dict:
    return next(s for s in verdict["signals"] if s["detector"] == "hashes")["evidence"]


def test_a_clip_cut_and_reencoded_from_banked_footage_goes_to_review(client: TestClient) -> None:
    assert _video_bank(client, (1, 2, 3, 4))["added"] == 3  # vPDQ, MD5, SHA-256
    verdict = _check(client, "clip", "video", video((2, 3, 4), fmt="webm"))
    match = _evidence(verdict)["match"]
    assert verdict["action"] == "review" and verdict["categories"] == ["attack_footage"]
    assert match["kind"] == "vpdq" and match["labels"] == [FOOTAGE]
    assert match["query_match_percent"] == 100.0 and match["entry_match_percent"] == 75.0


def test_the_same_video_bytes_are_removed(client: TestClient) -> None:
    _video_bank(client, (1, 2, 3))
    verdict = _check(client, "same", "video", video((1, 2, 3)))
    assert verdict["action"] == "remove" and _evidence(verdict)["exact"] is True


def test_a_still_from_banked_footage_matches_as_an_image(client: TestClient) -> None:
    _video_bank(client, (5, 6))
    verdict = _check(client, "still", "image", encode(poster(6, (320, 240)), "JPEG", quality=70))
    assert verdict["action"] == "review" and _evidence(verdict)["match"]["kind"] == "vpdq"


def test_unrelated_videos_are_allowed(client: TestClient) -> None:
    _video_bank(client, (1, 2, 3))
    assert _check(client, "other", "video", video((7, 8, 9)))["action"] == "allow"


def test_a_video_seen_before_the_footage_was_banked_opens_a_case(client: TestClient, db: Database) -> None:
    assert _check(client, "early", "video", video((3, 4), fmt="webm"))["action"] == "allow"
    _video_bank(client, (3, 4, 5))
    with db.reader() as session:
        case = session.scalars(select(CaseRow).where(CaseRow.item_id == "early")).one()
    assert case.source == "retro"


def test_compilations_containing_whole_footage_match_and_small_overlaps_do_not() -> None:
    footage = [f"{i:064x}" for i in (1, 2)]
    compilation = [*(f"{(i + 1) << 200:064x}" for i in range(8)), *footage]
    assert coverage(compilation, footage, 0).matches(80, 80)  # all of the entry is in the query
    assert not coverage(compilation, [*footage[:1], f"{7 << 100:064x}"], 0).matches(80, 80)


def test_vpdq_signals_round_trip_through_every_format_and_read_as_pytx_writes_them() -> None:
    frames = [f"{'ab' * 32},100,0.0", f"{'cd' * 32},87,1.0"]
    pytx_line = "vpdq " + json.dumps(frames)  # pytx's own serialisation: json.dumps, with spaces
    [entry] = read_entries(pytx_line + "\n", "pytx")
    assert [str(f) for f in parse_frames(entry.value)] == [f"{'ab' * 32},100,0.000", f"{'cd' * 32},87,1.000"]
    for fmt in ("pytx", "hma", "csv", "jsonl"):
        back = read_entries(write_entries([NewEntry("vpdq", entry.value, [FOOTAGE])], fmt), fmt)
        assert [(e.kind, e.value) for e in back] == [("vpdq", entry.value)]
