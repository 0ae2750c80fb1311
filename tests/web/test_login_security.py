"""Sessions end on the server, failed logins lock a name (or an address) without costing argon2, cookies are Secure."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.core import utcnow
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.web import routes

PASSWORD = "fictional-password-1"


@pytest.fixture
def app_client(settings: Settings, service: Service) -> TestClient:
    with service.db.transaction() as tx:
        for name, role in [("mod", Role.MODERATOR), ("boss", Role.ADMIN), ("cy", Role.SENIOR_MODERATOR)]:
            create_user(tx, name, PASSWORD, role, "test")
    return TestClient(create_app(settings, service), follow_redirects=False)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """The login code's clock, moved forward by the test instead of sleeping."""
    now = [utcnow()]
    monkeypatch.setattr("bastion.web.auth.utcnow", lambda: now[0])

    def advance(by: timedelta) -> None:
        now[0] += by

    return advance


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 hash or verify from now on, by name (users are made before this fixture is used)."""
    calls: list[str] = []
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def counted(self: PasswordHasher, *args: Any, _name: str = name, _original: Any = original) -> Any:
            calls.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(PasswordHasher, name, counted)
    return calls


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def _try(client: TestClient, username: str, password: str) -> Any:
    return client.post("/login", data={"username": username, "password": password, "csrf": _csrf(client)})


def _login(client: TestClient, username: str) -> None:
    response = _try(client, username, PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/queue", response.text


def _audited(db: Database, action: str) -> list[Any]:
    with db.snapshot() as tx:
        return [record for record in tx.audit.newest(1000) if record.action == action]


def _admin_post(client: TestClient, path: str, data: dict[str, str]) -> None:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/admin").text)
    assert token
    assert client.post(path, data=data | {"csrf": token.group(1)}).status_code == 303


def test_a_cookie_copied_before_logout_is_refused_after_it(app_client: TestClient) -> None:
    _login(app_client, "mod")
    copied = app_client.cookies["bastion_session"]
    other_device = TestClient(app_client.app, follow_redirects=False)
    _login(other_device, "mod")
    app_client.post("/logout", data={"csrf": _csrf_of_page(app_client)})

    thief = TestClient(app_client.app, follow_redirects=False, cookies={"bastion_session": copied})
    assert thief.get("/queue").status_code == 303  # the old cookie's signature is still good; the server says no
    assert other_device.get("/queue").status_code == 303  # logout ends every session of the user
    _login(app_client, "mod")
    assert app_client.get("/queue").status_code == 200


def _csrf_of_page(client: TestClient) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', client.get("/queue").text)
    assert match
    return match.group(1)


@pytest.mark.parametrize(
    ("path", "data"),
    [("/admin/users/mod/active", {"active": "false"}), ("/admin/users/mod/role", {"role": "auditor"})],
)
def test_disabling_a_user_or_changing_their_role_ends_their_sessions(
    app_client: TestClient, path: str, data: dict[str, str]
) -> None:
    victim = TestClient(app_client.app, follow_redirects=False)
    _login(victim, "mod")
    copied = victim.cookies["bastion_session"]
    _login(app_client, "boss")
    _admin_post(app_client, path, data)
    if "active" in path:
        _admin_post(app_client, path, {"active": "true"})  # enabled again: the old sessions stay ended
    replay = TestClient(app_client.app, follow_redirects=False, cookies={"bastion_session": copied})
    assert replay.get("/queue").status_code == 303


def test_a_role_change_is_audited_and_takes_effect(app_client: TestClient, db: Database) -> None:
    _login(app_client, "boss")
    page = app_client.get("/admin").text
    assert 'action="/admin/users/cy/role"' in page and 'action="/admin/users/boss/role"' not in page
    _admin_post(app_client, "/admin/users/cy/role", {"role": "moderator"})
    [record] = _audited(db, "user.role")
    assert record.subject == "user:cy" and record.payload == {"from": "senior_moderator", "to": "moderator"}
    with db.snapshot() as tx:
        user = tx.users.named("cy")
    assert user is not None and user.role == "moderator"


def test_the_sixth_bad_attempt_is_refused_before_argon2_and_the_lock_is_audited(
    app_client: TestClient, db: Database, argon2_calls: list[str], clock: Callable[[timedelta], None]
) -> None:
    for attempt in range(5):
        response = _try(app_client, "mod", f"wrong-password-{attempt}")
        assert response.status_code == (429 if attempt == 4 else 401)
    assert argon2_calls == ["verify"] * 5
    assert len(_audited(db, "login.failed")) == 5
    [lock] = _audited(db, "login.locked")
    assert lock.subject == "user:mod" and lock.payload["locks"] == "username"

    for password in ("wrong-password-6", PASSWORD):  # the right password too: the name is locked
        refused = _try(app_client, "mod", password)
        assert refused.status_code == 429 and "locked for 15 more minutes" in refused.text
    assert argon2_calls == ["verify"] * 5  # refused before hashing
    assert app_client.get("/queue").status_code == 303

    clock(timedelta(minutes=15, seconds=1))
    _login(app_client, "mod")
    assert argon2_calls == ["verify"] * 6


def test_unknown_names_lock_alike_so_locks_do_not_tell_which_names_exist(
    app_client: TestClient, argon2_calls: list[str], clock: Callable[[timedelta], None]
) -> None:
    for _ in range(5):
        _try(app_client, "nobody-here", "wrong-password")
    assert _try(app_client, "nobody-here", "wrong-password").status_code == 429
    assert argon2_calls == ["hash"] * 5  # unknown names cost a hash, like a verify


def test_failures_older_than_the_window_do_not_count(
    app_client: TestClient, clock: Callable[[timedelta], None]
) -> None:
    for _ in range(4):
        _try(app_client, "mod", "wrong-password")
    clock(timedelta(minutes=16))
    assert _try(app_client, "mod", "wrong-password").status_code == 401  # the fifth in 15 minutes: no lock yet
    _login(app_client, "mod")


def test_a_success_starts_the_count_again(app_client: TestClient, clock: Callable[[timedelta], None]) -> None:
    for _ in range(4):
        _try(app_client, "mod", "wrong-password")
    _login(app_client, "mod")
    for _ in range(4):
        assert _try(app_client, "mod", "wrong-password").status_code == 401


def test_one_address_trying_many_names_is_locked(
    settings: Settings, service: Service, db: Database, argon2_calls: list[str], clock: Callable[[timedelta], None]
) -> None:
    settings = settings.model_copy(update={"login_failures_per_address": 3})
    client = TestClient(create_app(settings, service), follow_redirects=False)
    for name in ("ann", "ben", "cat"):
        _try(client, name, "wrong-password")
    refused = _try(client, "dan", "wrong-password")
    assert refused.status_code == 429 and "this address is locked" in refused.text
    assert argon2_calls == ["hash"] * 3
    assert [record.payload["locks"] for record in _audited(db, "login.locked")] == ["address"]


def test_the_login_route_runs_in_the_threadpool_not_on_the_event_loop() -> None:
    """An `async def` login would run argon2 on the event loop and stall every other request."""
    assert not inspect.iscoroutinefunction(routes.login)


def test_session_cookies_are_secure_by_default(tmp_path: Any, db_url: str, service: Service) -> None:
    assert Settings().secure_cookies is True
    secure = Settings(data_dir=tmp_path / "data", database_url=db_url)
    client = TestClient(create_app(secure, service), follow_redirects=False)
    cookie = client.get("/login").headers["set-cookie"]
    assert "secure" in cookie.lower() and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
