"""Every role against every page that needs a permission, from a table written out here (not derived
from the permission table under test): a senior moderator or legal reaching a page meant for others fails."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings

PASSWORD = "fictional-password-1"
PAGES = ["/queue", "/dashboard", "/audit", "/admin"]
REACHES = {
    Role.MODERATOR: {"/queue"},
    Role.SENIOR_MODERATOR: {"/queue", "/dashboard"},
    Role.LEGAL: {"/queue", "/dashboard", "/audit"},
    Role.AUDITOR: {"/queue", "/dashboard", "/audit"},
    Role.ADMIN: {"/queue", "/dashboard", "/audit", "/admin"},
}


def test_the_table_names_every_role() -> None:
    assert set(REACHES) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_its_pages(settings: Settings, service: Service, role: Role) -> None:
    with service.db.transaction() as tx:
        create_user(tx, "someone", PASSWORD, role, "test")
    browser = TestClient(create_app(settings, service), follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', browser.get("/login").text)
    assert token
    login = browser.post("/login", data={"username": "someone", "password": PASSWORD, "csrf": token.group(1)})
    assert login.status_code == 303

    reached = {page for page in PAGES if browser.get(page).status_code == 200}
    refused = {page for page in PAGES if browser.get(page).status_code == 403}

    assert reached == REACHES[role]
    assert refused == set(PAGES) - REACHES[role]
