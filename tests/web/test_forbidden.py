"""The 403 page keeps the moderators' layout and says which roles may do what was refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings

PASSWORD = "fictional-password-1"


@pytest.fixture
def browser(settings: Settings, service: Service) -> TestClient:
    with service.db.transaction() as tx:
        for name, role in [("mod", Role.MODERATOR), ("aud", Role.AUDITOR)]:
            create_user(tx, name, PASSWORD, role, "test")
    return TestClient(create_app(settings, service), follow_redirects=False)


def _login(client: TestClient, username: str) -> None:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token.group(1)})


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_a_moderator_is_told_which_role_manages_users(browser: TestClient) -> None:
    _login(browser, "mod")
    page = browser.get("/admin")
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert '<link rel="stylesheet" href="/static/bastion.css">' in page.text  # the normal layout
    assert '<a href="/queue">Queue</a>' in page.text and "Log out" in page.text
    assert "Your role cannot open this page." in _text(page.text)
    assert "You are logged in as mod (moderator). To manage users, you need the role admin." in _text(page.text)


def test_several_roles_are_listed_when_several_may(browser: TestClient) -> None:
    _login(browser, "mod")
    said = _text(browser.get("/audit").text)
    assert "To read the audit log, you need the role admin, legal or auditor." in said


def test_a_missing_csrf_token_is_not_blamed_on_the_role(browser: TestClient) -> None:
    _login(browser, "aud")
    page = browser.post("/admin/users", data={"username": "x1", "password": "long-enough-1", "role": "admin"})
    assert page.status_code == 403
    assert "This request was refused." in _text(page.text) and "form token" in page.text
    assert "Your role" not in page.text
