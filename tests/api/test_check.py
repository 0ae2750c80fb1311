"""POST /v1/check through a real HTTP client, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import gc
import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.api.app import create_app
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.models.core import AuditRow, CaseRow, ItemRow, VerdictRow

RECRUITING = {"id": "post-1", "text": "Come and join the Crimson Dawn Brigade tonight", "author": "a-1", "lang": "en"}


def _count(db: Database, table: type) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_flagged_item_gets_review_with_evidence_span(client: TestClient) -> None:
    response = client.post("/v1/check", json=RECRUITING)
    assert response.status_code == 200
    verdict = response.json()
    assert verdict["id"] == "post-1"
    assert verdict["action"] == "review"
    assert "recruitment" in verdict["categories"]
    assert verdict["score"] >= 0.5
    signal = next(s for s in verdict["signals"] if s["detector"] == "termlist")
    span = signal["evidence"]["spans"][0]
    assert RECRUITING["text"][span["start"] : span["end"]].lower() == "join the crimson dawn brigade"
    assert {"detector", "version", "category", "score", "evidence"} <= set(signal)


def test_ordinary_post_is_allowed(client: TestClient) -> None:
    verdict = client.post("/v1/check", json={"id": "p2", "text": "Great match last night, what a goal"}).json()
    assert verdict["action"] == "allow"
    # The text model gives every post some probability; an ordinary one sits far under any line it is judged at.
    text = next(s for s in verdict["signals"] if s["detector"] == "text")
    assert verdict["score"] < text["evidence"]["threshold"] / 10


def test_verdict_item_case_and_audit_are_stored(client: TestClient, db: Database) -> None:
    client.post("/v1/check", json=RECRUITING)
    assert _count(db, ItemRow) == 1
    assert _count(db, VerdictRow) == 1
    assert _count(db, CaseRow) == 1
    assert _count(db, AuditRow) >= 2  # key creation, verdict, case opening


def test_rechecking_an_item_never_duplicates_it_or_its_case(client: TestClient, db: Database) -> None:
    for _ in range(3):
        assert client.post("/v1/check", json=RECRUITING).status_code == 200
    assert _count(db, ItemRow) == 1
    assert _count(db, CaseRow) == 1


def test_unknown_fields_are_kept_as_metadata(client: TestClient, db: Database) -> None:
    client.post("/v1/check", json={"id": "m1", "text": "hello", "channel": "c-9", "likes": 3})
    with db.reader() as session:
        row = session.get(ItemRow, {"platform": "test-platform", "id": "m1"})
        assert row is not None
        assert row.item_metadata == {"channel": "c-9", "likes": 3}


def test_multipart_upload_carries_media(client: TestClient) -> None:
    response = client.post(
        "/v1/check",
        data={"item": '{"id": "mp1", "kind": "text", "text": "see attachment"}'},
        files={"media": ("note.txt", b"plain bytes", "text/plain")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "mp1"


def test_url_item_matches_listed_outlet(client: TestClient) -> None:
    item = {"id": "u1", "kind": "url", "text": "https://www.crimson-dawn-media.example/latest?utm_source=x"}
    verdict = client.post("/v1/check", json=item).json()
    assert verdict["action"] == "review"
    urllist = next(s for s in verdict["signals"] if s["detector"] == "urllist")
    assert urllist["evidence"]["matched"] == "crimson-dawn-media.example"


def test_openapi_and_health(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/v1/check" in schema["paths"]
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.app.state.warmed.wait(timeout=120)  # type: ignore[attr-defined]  # models load in the background
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["models"] == "warm"
    assert "termlist" in ready.json()["detectors"]


def test_not_ready_until_the_models_are_warm(settings: Settings, service: Service, api_key: str) -> None:
    """The first deep-tier request took 1.9 s while /readyz already said ready."""
    release = threading.Event()
    warm_up = service.warm_up

    def slow_warm_up() -> None:
        release.wait(timeout=30)
        warm_up()

    service.warm_up = slow_warm_up  # type: ignore[method-assign]
    with TestClient(create_app(settings, service)) as client:
        loading = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
        release.set()
        assert client.app.state.warmed.wait(timeout=120)  # type: ignore[attr-defined]
        ready = client.get("/readyz")

    assert (loading.status_code, loading.json()["models"]) == (503, "loading")
    assert (ready.status_code, ready.json()["status"]) == (200, "ready")


def test_a_serving_process_freezes_what_it_warmed_and_a_test_process_does_not(
    settings: Settings, service: Service
) -> None:
    """A full garbage collection walking the warmed models paused a serving worker about 100 ms now and then."""
    before = gc.get_freeze_count()
    with TestClient(create_app(settings, service)) as client:
        assert client.app.state.warmed.wait(timeout=120)  # type: ignore[attr-defined]
    assert gc.get_freeze_count() == before
    try:
        with TestClient(create_app(settings, service, freeze_after_warm_up=True)) as client:
            assert client.app.state.warmed.wait(timeout=120)  # type: ignore[attr-defined]
            assert client.get("/readyz").status_code == 200
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()  # this test process goes on: let the collector see them again


def test_media_base64_round_trips(client: TestClient) -> None:
    encoded = base64.b64encode(b"bytes").decode()
    response = client.post("/v1/check", json={"id": "b64", "text": "x", "media": {"base64": encoded}})
    assert response.status_code == 200
