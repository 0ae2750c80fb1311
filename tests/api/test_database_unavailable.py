"""A check the database cannot take in time is a 503 to retry, not a 500 (PostgreSQL, for real)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.api.auth import Scope
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.audit import AUDIT_LOCK_KEY
from bastion.store.db import APPLICATION_NAME
from tests.store.stalled_client import MidStatementClient

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_client(tmp_path: Path, pg_databases: Callable[[], str]) -> Iterator[TestClient]:
    stall_limit = 0.5  # seconds: how long a check waits for the audit chain's lock
    settings = Settings(
        data_dir=tmp_path / "data", database_url=pg_databases(), database_stalled_transaction_seconds=stall_limit
    )
    service = Service.from_settings(settings)
    with service.db.transaction() as tx:
        secret = tx.keys.create("test-platform", Scope).secret
    with TestClient(create_app(settings, service)) as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client
    service.db.dispose()


def test_a_check_held_back_by_a_stalled_writer_is_a_503_and_its_retry_goes_through(pg_client: TestClient) -> None:
    url = pg_client.app.state.service.db.engine.url  # type: ignore[attr-defined]
    stalled = MidStatementClient(url, APPLICATION_NAME, f"SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})")
    item = {"id": "held-1", "text": "The harbour market opens at nine"}

    held = pg_client.post("/v1/check", json=item)

    assert held.status_code == 503
    assert held.json()["error"] == "database_unavailable"
    assert held.headers["Retry-After"] == "1"
    assert stalled.ended_by_server()  # the check that waited ended the stalled session before answering
    retried = pg_client.post("/v1/check", json=item)
    assert retried.status_code == 200
    assert retried.json()["id"] == "held-1"


def test_the_schema_says_a_keyed_operation_may_answer_503(pg_client: TestClient) -> None:
    schema = pg_client.get("/openapi.json").json()
    assert "503" in schema["paths"]["/v1/check"]["post"]["responses"]
    assert "503" not in schema["paths"]["/healthz"]["get"]["responses"]


def test_a_service_starting_behind_a_stalled_writer_starts(tmp_path: Path, pg_databases: Callable[[], str]) -> None:
    """Starting audits the policy in use, which takes the chain: the first wait ends the stalled writer, the second
    attempt finds the chain free, and the service starts instead of failing."""
    url = pg_databases()
    stalled = MidStatementClient(url, APPLICATION_NAME, f"SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})")
    settings = Settings(data_dir=tmp_path / "data", database_url=url, database_stalled_transaction_seconds=0.5)

    service = Service.from_settings(settings)

    assert stalled.ended_by_server()
    with service.db.snapshot() as tx:
        assert tx.audit.has("policy.activate", f"policy:{service.pipeline.policy.version}")
    service.db.dispose()
