"""A key is its whole secret: a known prefix with any other secret, or a revoked key, is 401 at once."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

from bastion.api.scopes import Scope
from bastion.store.db import Database

ITEM = {"id": "key-test", "text": "hello"}


def _check(client: TestClient, key: str) -> int:
    return client.post("/v1/check", json=ITEM, headers={"Authorization": f"Bearer {key}"}).status_code


def test_a_known_prefix_with_another_secret_is_refused(client: TestClient, db: Database) -> None:
    with db.transaction() as tx:
        key = tx.keys.create("forum", Scope).secret
    scheme, prefix, secret = key.split("_", 2)
    guesses = [secrets.token_urlsafe(32), "", secret[:-1], secret + "x"]

    assert _check(client, key) == 200
    for guess in guesses:
        assert _check(client, f"{scheme}_{prefix}_{guess}") == 401, guess


def test_a_key_revoked_before_its_first_use_is_refused(client: TestClient, db: Database) -> None:
    with db.transaction() as tx:
        key = tx.keys.create("forum", Scope).secret
        assert tx.keys.revoke(key.split("_")[1])

    assert _check(client, key) == 401
    with db.snapshot() as tx:
        assert tx.keys.lookup(key) is None
