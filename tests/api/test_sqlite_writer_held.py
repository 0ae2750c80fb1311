"""On SQLite, a check held back by a writer stopped inside its transaction is a 503 to retry, never a hang."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from bastion.settings import Settings
from bastion.store.db import Database
from tests.store.writer_lock_holder import stopped_writer


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """SQLite alone (the writer lock is SQLite's), and a check waits for it 0.3 s at most."""
    return Settings(data_dir=tmp_path / "data", database_stalled_transaction_seconds=0.3)


def test_a_check_behind_a_stopped_writer_is_a_503_and_its_retry_goes_through(client: TestClient, db: Database) -> None:
    item = {"id": "held-1", "text": "The harbour market opens at nine"}

    answers: list[Response] = []
    with stopped_writer(db):
        checking = threading.Thread(target=lambda: answers.append(client.post("/v1/check", json=item)), daemon=True)
        checking.start()
        assert client.get("/healthz").status_code == 200  # the process answers meanwhile
        checking.join(20)
        assert not checking.is_alive(), "the check is still waiting for the writer lock"
    held = answers[0]

    assert held.status_code == 503
    assert held.json()["error"] == "database_unavailable"
    assert held.headers["Retry-After"] == "1"
    retried = client.post("/v1/check", json=item)
    assert retried.status_code == 200
    assert retried.json()["id"] == "held-1"
