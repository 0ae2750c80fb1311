"""Scoped API keys over HTTP: each endpoint needs its scope (403 without it), keys from before scopes keep working."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bastion.api import auth
from bastion.api.app import create_app
from bastion.api.scopes import Scope
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database, alembic_config
from tests.conftest import _pg_admin, _pg_reachable, _pg_url
from tests.routes import app_routes

ITEM = {"id": "scoped-1", "text": "Nice weather for a walk"}
HASH = {"kind": "md5", "value": "0" * 32}
NOTICE = {
    "notice_type": "terrorist_content",
    "explanation": "A fictional call to join an armed group.",
    "item": ITEM,
    "notifier_name": "N. Example",
    "notifier_email": "n@example.org",
    "good_faith": True,
}

# (method, path, JSON body, the scope it needs): one call per operation of the platform API.
OPERATIONS: list[tuple[str, str, dict[str, Any] | None, Scope]] = [
    ("POST", "/v1/check", ITEM, Scope.CHECK),
    ("POST", "/v1/reports", {"item": ITEM, "reporter": "r-1", "reason": "terrorism"}, Scope.REPORT),
    ("POST", "/v1/appeals", {"item_id": "scoped-1", "appellant": "u-1", "text": "not mine"}, Scope.APPEAL),
    ("POST", "/v1/complaints", {"item_id": "scoped-1", "complainant": "u-1", "text": "not mine"}, Scope.APPEAL),
    ("GET", "/v1/complaints/1", None, Scope.APPEAL),
    ("POST", "/v1/notices", NOTICE, Scope.NOTICE),
    ("GET", "/v1/notices/1", None, Scope.NOTICE),
    ("GET", "/v1/banks", None, Scope.BANKS_READ),
    ("GET", "/v1/banks/shared/entries", None, Scope.BANKS_READ),
    ("POST", "/v1/banks", {"name": "other"}, Scope.BANKS_WRITE),
    ("POST", "/v1/banks/shared/enable", None, Scope.BANKS_WRITE),
    ("POST", "/v1/banks/shared/entries", {"hashes": [HASH]}, Scope.BANKS_WRITE),
    ("POST", "/v1/banks/entries/1/feedback", {"opinion": "confirm"}, Scope.BANKS_WRITE),
    ("POST", "/v1/banks/shared/disable", None, Scope.ADMIN),
    ("DELETE", "/v1/banks/entries/1", None, Scope.ADMIN),
    ("GET", "/v1/symbols/banks", None, Scope.BANKS_READ),
    ("GET", "/v1/symbols/banks/shared/symbols", None, Scope.BANKS_READ),
    ("GET", "/v1/symbols/banks/shared/export", None, Scope.BANKS_READ),
    ("POST", "/v1/symbols/banks", {"name": "emblems"}, Scope.BANKS_WRITE),
    ("POST", "/v1/symbols/banks/shared/symbols", {"label": "x", "images": ["AAAA"]}, Scope.BANKS_WRITE),
    ("POST", "/v1/symbols/banks/shared/import", {"file": ""}, Scope.BANKS_WRITE),
    ("POST", "/v1/symbols/banks/shared/enable", None, Scope.BANKS_WRITE),
    ("POST", "/v1/symbols/banks/shared/disable", None, Scope.ADMIN),
    ("DELETE", "/v1/symbols/1", None, Scope.ADMIN),
]


def _template(path: str) -> str:
    """The route serving an operation's path: `/v1/banks/shared/entries` is `/v1/banks/{name}/entries`."""
    return (
        path.replace("/shared/", "/{name}/")
        .replace("/entries/1", "/entries/{entry_id}")
        .replace("/notices/1", "/notices/{notice_id}")
        .replace("/complaints/1", "/complaints/{complaint_id}")
        .replace("/symbols/1", "/symbols/{symbol_id}")
    )


def _key(db: Database, *scopes: str, platform: str = "scoped") -> str:
    with db.transaction() as tx:
        return tx.keys.create(platform, scopes).secret


def _call(client: TestClient, method: str, path: str, body: dict[str, Any] | None, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {"Authorization": ""}
    return client.request(method, path, json=body, headers=headers)


@pytest.fixture
def with_bank(client: TestClient) -> TestClient:
    """The client (every scope) after making a bank `shared` with entry 1, for the bank operations to act on."""
    assert client.post("/v1/banks", json={"name": "shared"}).status_code == 201
    assert client.post("/v1/banks/shared/entries", json={"hashes": [HASH]}).status_code == 201
    return client


@pytest.mark.parametrize(("method", "path", "body", "scope"), OPERATIONS, ids=[f"{o[0]} {o[1]}" for o in OPERATIONS])
def test_a_key_without_the_scope_gets_403_and_changes_nothing(
    with_bank: TestClient, db: Database, method: str, path: str, body: dict[str, Any] | None, scope: Scope
) -> None:
    others = [other for other in Scope if other != scope]
    before = with_bank.get("/v1/banks/shared/entries").json()

    response = _call(with_bank, method, path, body, _key(db, *others))

    assert response.status_code == 403
    assert response.json() == {
        "error": "insufficient_scope",
        "message": f"this key lacks the scope '{scope.value}'",
        "details": [{"required": scope.value, "granted": sorted(others)}],
    }
    assert with_bank.get("/v1/banks").json()[0]["enabled"] is True
    assert [bank["name"] for bank in with_bank.get("/v1/banks").json()] == ["shared"]
    assert with_bank.get("/v1/banks/shared/entries").json() == before


@pytest.mark.parametrize(("method", "path", "body", "scope"), OPERATIONS, ids=[f"{o[0]} {o[1]}" for o in OPERATIONS])
def test_a_key_with_only_that_scope_is_let_through(
    with_bank: TestClient, db: Database, method: str, path: str, body: dict[str, Any] | None, scope: Scope
) -> None:
    response = _call(with_bank, method, path, body, _key(db, scope))

    assert response.status_code not in (401, 403), response.text  # an appeal with no decision yet is a 4xx of its own


def test_every_v1_route_is_an_operation_above(client: TestClient) -> None:
    served = {route for route in app_routes(client.app) if route[1].startswith("/v1/")}  # type: ignore[arg-type]

    expected = {(method, _template(path)) for method, path, _, _ in OPERATIONS} | AUTHORITY_ROUTES
    assert served == expected, "add the route to OPERATIONS"


# Removal orders come from competent authorities with credentials of their own (tests/legal/test_orders_api.py),
# never from a platform's key, whatever its scopes.
AUTHORITY_ROUTES = {("POST", "/v1/orders"), ("GET", "/v1/orders/{order_id}")}


@pytest.mark.parametrize("granted", list(Scope))
def test_no_platform_scope_opens_the_authorities_routes(client: TestClient, db: Database, granted: Scope) -> None:
    key = _key(db, granted)
    for method, path in [("POST", "/v1/orders"), ("GET", "/v1/orders/1")]:
        response = _call(client, method, path, {} if method == "POST" else None, key)
        assert (response.status_code, response.json()["error"]) == (403, "not_an_authority"), (method, granted)


@pytest.mark.parametrize("granted", list(Scope))
def test_each_scope_alone_opens_exactly_its_operations(with_bank: TestClient, db: Database, granted: Scope) -> None:
    """Every scope against every operation: a key holding only `granted` is refused exactly where another is needed."""
    key = _key(db, granted)
    for method, path, body, scope in OPERATIONS:
        status = _call(with_bank, method, path, body, key).status_code
        assert (status == 403) == (scope != granted), (method, path, status)


def test_missing_unknown_and_revoked_keys_are_still_401(client: TestClient, db: Database) -> None:
    revoked = _key(db, *Scope)
    with db.transaction() as tx:
        assert tx.keys.revoke(revoked.split("_")[1])

    for key, says in [(None, "missing API key"), ("bst_nope_nope", "unknown"), (revoked, "revoked")]:
        response = _call(client, "POST", "/v1/check", ITEM, key)
        assert response.status_code == 401
        assert response.json()["error"] == "http_error"
        assert says in response.json()["message"]
        assert response.headers["www-authenticate"] == "Bearer"


def test_the_x_api_key_header_carries_the_same_scopes(client: TestClient, db: Database) -> None:
    key = _key(db, Scope.CHECK)

    assert client.post("/v1/check", json=ITEM, headers={"Authorization": "", "X-API-Key": key}).status_code == 200
    assert client.get("/v1/banks", headers={"Authorization": "", "X-API-Key": key}).status_code == 403


def test_a_revoked_key_stops_within_the_cache_time(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _key(db, Scope.CHECK)
    assert _call(client, "POST", "/v1/check", ITEM, key).status_code == 200  # now cached, with its scopes
    with db.transaction() as tx:
        tx.keys.revoke(key.split("_")[1])
    assert _call(client, "GET", "/v1/banks", None, key).status_code == 403  # the cache knows its scopes too

    now = auth.time.monotonic()
    monkeypatch.setattr(auth.time, "monotonic", lambda: now + auth._CACHE_SECONDS + 1)

    assert _call(client, "POST", "/v1/check", ITEM, key).status_code == 401


def test_every_operation_names_its_scope_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    for method, path, _, scope in OPERATIONS:
        template = _template(path)
        security = paths[template][method.lower()]["security"]
        assert security == [{"ApiKey": [scope.value]}, {"ApiKeyHeader": [scope.value]}], (method, template)


# A key made before scopes existed, stored as revision 0004 stored it.
_OLD_PREFIX, _OLD_TOKEN = "0a1b2c3d4e5f", "an-old-secret-token"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database migrated only to revision 0004 (before scopes), holding one key."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'bastion.db'}"
        (tmp_path / "data").mkdir()
        name = None
    else:
        if not _pg_reachable():
            if os.environ.get("BASTION_REQUIRE_POSTGRES"):
                pytest.fail("PostgreSQL is not reachable")
            pytest.skip("PostgreSQL is not reachable; PostgreSQL variant skipped")
        name = f"bastion_k_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    command.upgrade(alembic_config(url), "0004_retro_pending")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_keys (prefix, secret_hash, platform, created_at, revoked) "
                "VALUES (:prefix, :hash, 'old-platform', CURRENT_TIMESTAMP, false)"
            ),
            {"prefix": _OLD_PREFIX, "hash": hashlib.sha256(_OLD_TOKEN.encode()).hexdigest()},
        )
    engine.dispose()
    yield url
    if name:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_key_from_before_scopes_keeps_every_scope_it_had(db_at_0004: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=db_at_0004)
    db = Database.from_settings(settings)
    db.migrate()  # what `bastion serve` does on start: 0004 -> 0005 and on
    try:
        with db.snapshot() as tx:
            grant = tx.keys.lookup(f"bst_{_OLD_PREFIX}_{_OLD_TOKEN}")
        assert grant is not None
        assert grant.platform == "old-platform"
        assert grant.scopes == {
            scope.value for scope in Scope if scope is not Scope.NOTICE
        }  # later: granted on purpose

        with TestClient(create_app(settings, Service.from_settings(settings, db))) as client:
            client.headers["Authorization"] = f"Bearer bst_{_OLD_PREFIX}_{_OLD_TOKEN}"
            assert client.post("/v1/check", json=ITEM).status_code == 200
            assert client.post("/v1/banks", json={"name": "kept"}).status_code == 201
            assert client.post("/v1/banks/kept/disable").status_code == 200
    finally:
        db.dispose()
