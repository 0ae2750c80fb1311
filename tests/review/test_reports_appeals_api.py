"""`POST /v1/reports` and `POST /v1/appeals` through the HTTP API, and the action webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.actions.outbox import deliver_due, enqueue_action
from bastion.actions.webhook import WebhookTarget
from bastion.api.app import create_app
from bastion.core import Category, utcnow
from bastion.review.cases import AppealOutcome, Decision, claim, decide, decide_appeal
from bastion.review.reports import pressure_on, reporter_trust
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.models.core import CaseRow
from bastion.store.models.review import OutboxRow, ReportRow, UserRow


def _report(client: TestClient, item_id: str, reporter: str, author: str = "acct-3") -> dict:
    response = client.post(
        "/v1/reports",
        json={
            "item": {"id": item_id, "text": "a fictional post about the weather", "author": author},
            "reporter": reporter,
            "reason": "terrorism",
            "text": "fictional reason",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_reports_on_one_item_merge_into_one_case(client: TestClient, db: Database) -> None:
    first, second = _report(client, "r-1", "user-a"), _report(client, "r-1", "user-b")
    assert first["case_id"] == second["case_id"]
    with db.snapshot() as tx:
        assert tx.session.scalars(select(CaseRow).where(CaseRow.item_id == "r-1")).one().source == "report"
        assert len(tx.session.scalars(select(ReportRow)).all()) == 2


def test_a_report_on_a_checked_item_keeps_what_was_checked(client: TestClient, db: Database) -> None:
    checked = client.post("/v1/check", json={"id": "k-1", "text": "Join the Crimson Dawn Brigade today"})
    assert checked.status_code == 200 and checked.json()["action"] == "review"
    reported = _report(client, "k-1", "user-a")  # the platform's copy says something else
    assert [s["detector"] for s in reported["verdict"]["signals"]] == [s["detector"] for s in checked.json()["signals"]]
    with db.snapshot() as tx:
        assert tx.items.get("test-platform", "k-1").text == "Join the Crimson Dawn Brigade today"
        case = tx.session.scalars(select(CaseRow).where(CaseRow.item_id == "k-1")).one()
    assert reported["case_id"] == case.id and case.source == "detection"


def test_trusted_reporters_raise_priority(client: TestClient, db: Database, users: dict[str, UserRow]) -> None:
    _report(client, "r-2", "good-reporter")
    case_id = _report(client, "r-2", "other")["case_id"]
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.REMOVE, utcnow(), Category.PROPAGANDA)
    with db.snapshot() as tx:
        assert reporter_trust(tx, "test-platform", "good-reporter") == pytest.approx(2 / 3)
        assert reporter_trust(tx, "test-platform", "stranger") == 0.5
    trusted = _report(client, "r-3", "good-reporter")
    unknown = _report(client, "r-4", "stranger")
    assert trusted["priority"] > unknown["priority"]


def test_mass_reporting_of_one_author_is_visible(client: TestClient, db: Database) -> None:
    for n in range(6):
        _report(client, f"m-{n}", "sock-puppet", author="targeted-author")
    with db.snapshot() as tx:
        pressure = pressure_on(tx, "test-platform", "targeted-author", utcnow())
    assert (pressure.reports, pressure.reporters, pressure.looks_coordinated) == (6, 1, True)


def test_appeals_need_an_actioned_item(client: TestClient, db: Database, users: dict[str, UserRow]) -> None:
    refused = client.post("/v1/appeals", json={"item_id": "nothing", "appellant": "acct-3"})
    assert refused.status_code == 404
    case_id = _report(client, "a-1", "user-a")["case_id"]
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.REMOVE, utcnow(), Category.PROPAGANDA)
    filed = client.post("/v1/appeals", json={"item_id": "a-1", "appellant": "acct-3", "text": "It is satire."})
    assert filed.status_code == 201 and filed.json()["state"] == "appealed"


def test_a_reversed_removal_counts_against_the_reporters(
    client: TestClient, db: Database, users: dict[str, UserRow]
) -> None:
    case_id = _report(client, "rv-1", "eager-reporter")["case_id"]
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.REMOVE, utcnow(), Category.PROPAGANDA)
    assert client.post("/v1/appeals", json={"item_id": "rv-1", "appellant": "acct-3"}).status_code == 201
    with db.transaction() as tx:
        claim(tx, case_id, users["bo"], utcnow())
        decide_appeal(tx, case_id, users["bo"], AppealOutcome.REVERSE, utcnow(), "satire, in context")
    with db.snapshot() as tx:
        assert reporter_trust(tx, "test-platform", "eager-reporter") == pytest.approx(1 / 3)


class Platform:
    """A platform's webhook that fails its first `failures` deliveries, then acknowledges."""

    def __init__(self, failures: int) -> None:
        self.failures, self.received = failures, []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                platform.received.append((body, dict(self.headers)))
                status = 503 if platform.failures > 0 else 200
                platform.failures -= 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bastion-actions"


@pytest.fixture
def platform() -> Iterator[Platform]:
    hook = Platform(failures=1)
    threading.Thread(target=hook.server.serve_forever, daemon=True).start()
    yield hook
    hook.server.shutdown()


def test_actions_are_signed_and_retried_until_acknowledged(db: Database, platform: Platform) -> None:
    now = utcnow()
    with db.transaction() as tx:
        enqueue_action(tx, "test-platform", "post-9", "remove", {"category": "propaganda"}, now)
    first = deliver_due(db, WebhookTarget(platform.url, "shared-secret"), now)
    assert (first.delivered, first.failed) == (0, 1)
    assert deliver_due(db, WebhookTarget(platform.url, "shared-secret"), now).delivered == 0  # backing off
    later = deliver_due(db, WebhookTarget(platform.url, "shared-secret"), now.replace(year=now.year + 1))
    assert later.delivered == 1
    body, headers = platform.received[-1]
    # Computed here, not by the code under test: a signature that ignored the secret would fail.
    signed = headers["X-Bastion-Timestamp"].encode() + b"." + body
    assert headers["X-Bastion-Signature"] == "sha256=" + hmac.new(b"shared-secret", signed, hashlib.sha256).hexdigest()
    assert abs(int(headers["X-Bastion-Timestamp"]) - time.time()) < 600
    assert json.loads(body)["action"] == "remove"
    assert headers["X-Bastion-Delivery"] == headers["X-Bastion-Delivery"].strip()
    with db.snapshot() as tx:
        row = tx.session.scalars(select(OutboxRow)).one()
    assert row.delivered_at is not None and row.attempts == 2


def test_the_signature_covers_the_timestamp(db: Database, platform: Platform) -> None:
    """A captured delivery replayed with a fresh timestamp no longer verifies: the time is signed."""
    platform.failures = 0
    with db.transaction() as tx:
        enqueue_action(tx, "test-platform", "post-10", "remove", {"category": "propaganda"}, utcnow())
    deliver_due(db, WebhookTarget(platform.url, "shared-secret", clock=lambda: 1_800_000_000.7), utcnow())
    body, headers = platform.received[-1]
    assert headers["X-Bastion-Timestamp"] == "1800000000"

    def valid(timestamp: str) -> bool:
        expected = hmac.new(b"shared-secret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(headers["X-Bastion-Signature"], "sha256=" + expected)

    assert valid("1800000000")
    assert not valid("1800000300")  # the same body and signature, replayed as if sent five minutes later


def test_serve_delivers_queued_actions_by_itself(settings: Settings, db: Database) -> None:
    hook = Platform(failures=0)
    threading.Thread(target=hook.server.serve_forever, daemon=True).start()
    configured = settings.model_copy(
        update={
            "action_webhook_url": hook.url,
            "action_webhook_secret": "shared-secret",
            "action_delivery_interval_seconds": 0.05,
        }
    )
    try:
        with TestClient(create_app(configured, Service.from_settings(configured, db))):
            with db.transaction() as tx:
                enqueue_action(tx, "test-platform", "post-12", "remove", {"category": "propaganda"}, utcnow())
            for _ in range(200):  # the loop comes round every 0.05 s; up to ~10 s on a busy machine
                if hook.received:
                    break
                threading.Event().wait(0.05)
    finally:
        hook.server.shutdown()
    assert [json.loads(body)["item_id"] for body, _ in hook.received] == ["post-12"]
    with db.snapshot() as tx:
        assert tx.session.scalars(select(OutboxRow)).one().delivered_at is not None


def _platform(on_post: Callable[[bytes], None]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            on_post(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def test_no_write_waits_while_the_platform_answers(db: Database) -> None:
    def write_meanwhile(_: bytes) -> None:  # a moderator decides while the webhook is in flight
        with db.transaction() as tx:
            enqueue_action(tx, "test-platform", "post-other", "label", {}, utcnow())

    server, url = _platform(write_meanwhile)
    try:
        with db.transaction() as tx:
            enqueue_action(tx, "test-platform", "post-13", "remove", {}, utcnow())
        report = deliver_due(db, WebhookTarget(url, "shared-secret", timeout=5), utcnow(), limit=1)
    finally:
        server.shutdown()
    assert (report.delivered, report.failed) == (1, 0)  # a held writer lock would have timed the request out


def test_two_deliverers_at_once_send_each_action_once(db: Database) -> None:
    received: list[bytes] = []

    def slow(body: bytes) -> None:
        received.append(body)
        threading.Event().wait(0.3)

    server, url = _platform(slow)
    now = utcnow()
    with db.transaction() as tx:
        enqueue_action(tx, "test-platform", "post-14", "remove", {}, now)
    try:
        rounds = [
            threading.Thread(target=deliver_due, args=(db, WebhookTarget(url, "shared-secret"), now)) for _ in range(2)
        ]
        for deliverer in rounds:
            deliverer.start()
        for deliverer in rounds:
            deliverer.join()
    finally:
        server.shutdown()
    assert len(received) == 1
