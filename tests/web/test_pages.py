"""The web UI through an HTTP client: logins, CSRF, and each page's role check."""

from __future__ import annotations

import base64
import io
import re

import pytest
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.core import Item, Kind, Media
from bastion.demo import demo_poster
from bastion.review.accounts import Role, create_user, set_active
from bastion.service import Service
from bastion.settings import Settings
from tests.review.conftest import FICTIONAL_BANK, check_banked_poster

PASSWORD = "fictional-password-1"


@pytest.fixture
def browser(settings: Settings, service: Service) -> TestClient:
    with service.db.transaction() as tx:
        for name, role in [("mod", Role.MODERATOR), ("boss", Role.ADMIN), ("aud", Role.AUDITOR)]:
            create_user(tx, name, PASSWORD, role, "test")
    return TestClient(create_app(settings, service), follow_redirects=False)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "every form carries a CSRF token"
    return match.group(1)


def _login(client: TestClient, username: str) -> None:
    token = _csrf(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token})
    assert response.status_code == 303 and response.headers["location"] == "/queue"


@pytest.mark.parametrize("path", ["/queue", "/cases/1", "/dashboard", "/admin", "/audit", "/me"])
def test_pages_redirect_to_login(browser: TestClient, path: str) -> None:
    response = browser.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_wrong_password_is_refused_without_saying_which_part(browser: TestClient) -> None:
    token = _csrf(browser.get("/login").text)
    response = browser.post("/login", data={"username": "mod", "password": "nope-nope-nope", "csrf": token})
    assert response.status_code == 401 and "Wrong username or password" in response.text


def test_posts_without_the_csrf_token_are_refused(browser: TestClient) -> None:
    browser.get("/login")
    response = browser.post("/login", data={"username": "mod", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("user", "allowed", "refused"),
    [
        ("mod", ["/queue"], ["/dashboard", "/admin", "/audit"]),
        ("aud", ["/queue", "/dashboard", "/audit"], ["/admin"]),
        ("boss", ["/queue", "/dashboard", "/audit", "/admin"], []),
    ],
)
def test_each_role_reaches_exactly_its_pages(
    browser: TestClient, user: str, allowed: list[str], refused: list[str]
) -> None:
    _login(browser, user)
    for path in allowed:
        assert browser.get(path).status_code == 200, path
    for path in refused:
        assert browser.get(path).status_code == 403, path


def test_admin_creates_a_moderator_and_it_is_audited(browser: TestClient) -> None:
    _login(browser, "boss")
    token = _csrf(browser.get("/admin").text)
    response = browser.post(
        "/admin/users", data={"username": "newbie", "password": "long-enough-1", "role": "moderator", "csrf": token}
    )
    assert response.status_code == 303
    assert "newbie" in browser.get("/admin").text
    assert "user:newbie" in browser.get("/audit").text


def test_a_moderator_sets_their_own_media_defaults_and_break(browser: TestClient, service: Service) -> None:
    poster = io.BytesIO()
    demo_poster(5).save(poster, "PNG")
    service.check(
        [
            Item(
                id="img-1",
                kind=Kind.IMAGE,
                text="Glory to the crimson martyrs",
                media=Media(base64=base64.b64encode(poster.getvalue()).decode(), content_type="image/png"),
            )
        ]
    )
    _login(browser, "mod")
    case_page = browser.get("/cases/1").text
    assert re.search(r'class="media blurred gray" id="media"', case_page)
    assert "Consider a short break" not in case_page
    token = _csrf(browser.get("/me").text)
    saved = browser.post("/me", data={"break_after": "1", "grayscale": "true", "csrf": token})
    assert saved.status_code == 303
    case_page = browser.get("/cases/1").text  # the same item again: still one seen
    assert re.search(r'class="media\s+gray" id="media"', case_page)  # no longer blurred, still grey
    assert "You have looked at 1 item with media" in case_page
    refused = browser.post("/me", data={"break_after": "0", "csrf": token}, follow_redirects=True)
    assert "1 to 500" in refused.text


def test_roles_that_may_not_act_are_refused_on_post(browser: TestClient, service: Service) -> None:
    service.check([Item(id="p-1", text="Join the Crimson Dawn Brigade today", author="acct-1")])
    _login(browser, "aud")
    token = _csrf(browser.get("/queue").text)
    claimed = browser.post("/cases/1/claim", data={"csrf": token}, follow_redirects=True)
    assert "your role cannot work this case" in claimed.text
    decided = browser.post("/cases/1/decide", data={"decision": "remove", "category": "recruitment", "csrf": token})
    assert "claim case 1 before deciding" in browser.get(decided.headers["location"]).text
    _login(browser, "mod")
    token = _csrf(browser.get("/queue").text)
    made = browser.post(
        "/admin/users", data={"username": "sneaky", "password": "long-enough-1", "role": "admin", "csrf": token}
    )
    assert made.status_code == 403


def test_a_disabled_user_is_logged_out_at_once(browser: TestClient, service: Service) -> None:
    _login(browser, "mod")
    assert browser.get("/queue").status_code == 200
    with service.db.transaction() as tx:
        set_active(tx, "mod", False, "test")
    assert browser.get("/queue").headers["location"].startswith("/login")


def test_an_admin_cannot_disable_themselves(browser: TestClient) -> None:
    _login(browser, "boss")
    page = browser.get("/admin").text
    assert 'action="/admin/users/boss/active"' not in page  # no button to lock yourself out
    refused = browser.post("/admin/users/boss/active", data={"active": "false", "csrf": _csrf(page)})
    assert "cannot disable your own account" in browser.get(refused.headers["location"]).text
    assert browser.get("/admin").status_code == 200  # still an admin, still logged in


def test_the_users_table_and_the_new_user_form_name_roles_alike(browser: TestClient) -> None:
    _login(browser, "boss")
    token = _csrf(browser.get("/admin").text)
    made = {"username": "elder", "password": "long-enough-1", "role": "senior_moderator", "csrf": token}
    assert browser.post("/admin/users", data=made).status_code == 303
    page = browser.get("/admin").text
    table = set(re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td>", page))
    form = set(re.findall(r'<option value="[a-z_]+">([^<]+)</option>', page))
    assert table == {"moderator", "admin", "auditor", "senior moderator"}
    assert form == {role.label for role in Role}


def test_an_automatic_removal_says_what_was_done_in_the_queue_and_on_the_case(
    browser: TestClient, service: Service
) -> None:
    case_id = check_banked_poster(service, "img-7")
    done = f"removed automatically by rule known-content-exact-match v1 (exact match in bank {FICTIONAL_BANK})"
    _login(browser, "mod")
    row = re.search(rf'<tr class="row" data-case="{case_id}".*?</tr>', browser.get("/queue").text, re.S)
    assert row and done in row.group(0)
    case_page = browser.get(f"/cases/{case_id}").text
    assert done in case_page and "no decision yet" not in case_page
