"""What the removal-order tests share: an app whose platform is established in Ireland, an authority's
credential, fictional posters checked as a platform's items, and a platform that acknowledges every action."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bastion.actions.base import ActionTarget, PlatformAction
from bastion.actions.outbox import deliver_due
from bastion.api.app import create_app
from bastion.banks.entries import NewEntry, add_entries, create_bank
from bastion.context import AppContext
from bastion.core import Bank
from bastion.demo import demo_poster
from bastion.legal.deadlines import TickReport, tick
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database

PLATFORM = "forum-a"
RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # when the server receives every order in these tests


class AcknowledgingPlatform(ActionTarget):
    """A platform that carries out every action at once and says so: what it was sent is kept to check."""

    name = "test-acknowledging"

    def __init__(self) -> None:
        self.sent: list[PlatformAction] = []

    @classmethod
    def from_context(cls, context: AppContext) -> AcknowledgingPlatform:
        return cls()

    def deliver(self, action: PlatformAction) -> str | None:
        self.sent.append(action)
        return None


@dataclass
class Legal:
    client: TestClient
    db: Database
    settings: Settings
    authority: str  # the German authority's credential
    platform_key: str
    platform: AcknowledgingPlatform = field(default_factory=AcknowledgingPlatform)

    def send(self, order: dict[str, Any], credential: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {credential or self.authority}"}
        return self.client.post("/v1/orders", json=order, headers=headers)

    def acknowledge(self, at: datetime) -> None:
        """The platform receives and carries out every queued action at `at`."""
        deliver_due(self.db, self.platform, at)

    def tick(self, at: datetime) -> TickReport:
        with self.db.transaction() as tx:
            return tick(tx, at, self.settings)


def legal_settings(tmp_path: Path, db_url: str) -> Settings:
    # Ireland is the platform's main establishment: a German order is cross-border (TCO Art 4). The periodic
    # step runs only when a test calls it, with the time the test gives.
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        main_establishment="IE",
        legal_tick_interval_seconds=86_400,
        secure_cookies=False,
    )


@pytest.fixture
def legal(tmp_path: Path, db_url: str) -> Iterator[Legal]:
    settings = legal_settings(tmp_path, db_url)
    db = Database.from_settings(settings)
    service = Service.from_settings(settings, db)
    with db.transaction() as tx:
        authority = tx.authorities.create("Fictional Referral Unit", "DE", "test").secret
        key = tx.keys.create(PLATFORM, ["check", "report", "appeal"]).secret
    with TestClient(create_app(settings, service)) as client:
        client.app.state.now = lambda: RECEIVED  # type: ignore[attr-defined]  # the server's clock, injected
        yield Legal(client, db, settings, authority, key)
    db.dispose()


def poster_bytes(variant: int) -> bytes:
    buffer = io.BytesIO()
    demo_poster(variant).save(buffer, "PNG")
    return buffer.getvalue()


def check_poster(legal: Legal, item_id: str, variant: int, permalink: str | None = None) -> None:
    """The platform checks a fictional poster as its item (its own address in `permalink`, when given)."""
    media = {"base64": base64.b64encode(poster_bytes(variant)).decode(), "content_type": "image/png"}
    item = {"id": item_id, "kind": "image", "media": media} | ({"permalink": permalink} if permalink else {})
    response = legal.client.post("/v1/check", json=item, headers={"Authorization": f"Bearer {legal.platform_key}"})
    assert response.status_code == 200, response.text


def an_order(reference: str = "DE-2026-0001", **changes: Any) -> dict[str, Any]:
    """A fictional order as an authority's system sends it (Annex I)."""
    return {
        "platform": PLATFORM,
        "reference": reference,
        "issued_at": "2026-01-01T09:00:00Z",
        "targets": [{"url": "https://forum.example/p/1"}],
        "grounds": ["a", "c"],
        "reasons": "The poster calls on readers to join the fictional Crimson Dawn Brigade's attacks.",
        "redress": "Appeal to the fictional administrative court within one month.",
        **changes,
    }


def received_at(response: Any) -> datetime:
    return datetime.fromisoformat(response.json()["received_at"])


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


PASSWORD = "fictional-password-1"


def logged_in(legal: Legal, role: str) -> tuple[TestClient, str]:
    """A browser session of a new user of `role` (named after it), and its CSRF token."""
    with legal.db.transaction() as tx:
        if tx.users.active(role) is None:
            create_user(tx, role, PASSWORD, Role(role), "test")
    client = TestClient(legal.client.app, follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    response = client.post("/login", data={"username": role, "password": PASSWORD, "csrf": token.group(1)})
    assert response.status_code == 303, response.text
    page = client.get("/me").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    return client, csrf.group(1)


def bank_poster(legal: Legal, variant: int) -> str:
    """Put a fictional poster's exact bytes in an installation bank: its items are removed and their bytes kept."""
    digest = hashlib.sha256(poster_bytes(variant)).hexdigest()
    with legal.db.transaction() as tx:
        if tx.banks.named("fictional-posters") is None:
            create_bank(tx, Bank(name="fictional-posters"), "test")
        entry = NewEntry("sha256", digest, ["branded terrorist content"], "test")
        add_entries(tx, "fictional-posters", [entry], "test")
    return digest
