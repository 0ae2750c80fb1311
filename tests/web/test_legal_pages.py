"""The public notice form (DSA Art 16), its receipt page, and the threat-to-life page of a case, over HTTP."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from bastion.api.app import create_app
from bastion.core import Item
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings

PASSWORD = "fictional-password-1"
COMPLETE = {
    "notice_type": "terrorist_content",
    "url": "https://forum.example/t/7",
    "explanation": "The post tells readers to join the fictional Crimson Dawn Brigade and fight.",
    "notifier_name": "Ana Example",
    "notifier_email": "ana@example.org",
    "good_faith": "true",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"notices_per_address_per_hour": 2})


@pytest.fixture
def site(settings: Settings, service: Service) -> TestClient:
    with service.db.transaction() as tx:
        create_user(tx, "mod", PASSWORD, Role.MODERATOR, "test")
        create_user(tx, "aud", PASSWORD, Role.AUDITOR, "test")
    return TestClient(create_app(settings, service), follow_redirects=False)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _send(site: TestClient, **changes: str) -> Response:
    token = _csrf(site.get("/notices/new").text)
    return site.post("/notices", data=COMPLETE | changes | {"csrf": token})


def test_anyone_files_a_notice_without_an_account_and_follows_it_on_the_receipt_page(site: TestClient) -> None:
    response = _send(site)

    assert response.status_code == 303
    receipt = site.get(response.headers["location"])
    assert receipt.status_code == 200
    assert "Notice received" in receipt.text and "being reviewed" in receipt.text
    assert "https://forum.example/t/7" in receipt.text


def test_an_incomplete_notice_comes_back_with_what_is_missing_and_what_was_typed(site: TestClient) -> None:
    response = _send(site, explanation="bad", notifier_email="", good_faith="")

    assert response.status_code == 422
    missing = set(re.findall(r'data-field="([a-z_]+)"', response.text))
    assert missing == {"explanation", "notifier_email", "good_faith"}
    assert 'value="https://forum.example/t/7"' in response.text


def test_the_form_refuses_a_post_without_its_csrf_token(site: TestClient) -> None:
    site.get("/notices/new")
    assert site.post("/notices", data=COMPLETE).status_code == 403


def test_one_address_sends_only_so_many_notices_an_hour(site: TestClient) -> None:
    assert [_send(site).status_code for _ in range(3)] == [303, 303, 429]


def test_an_unknown_receipt_is_404(site: TestClient) -> None:
    assert site.get("/notices/made-up-receipt").status_code == 404


def _login(site: TestClient, username: str) -> str:
    token = _csrf(site.get("/login").text)
    assert site.post("/login", data={"username": username, "password": PASSWORD, "csrf": token}).status_code == 303
    return _csrf(site.get("/me").text)


def test_a_moderator_marks_a_threat_sees_whom_to_inform_and_records_the_referral(
    site: TestClient, service: Service
) -> None:
    service.check([Item(id="post-1", text="Join the Crimson Dawn Brigade today", author="acct-1")])
    with service.db.snapshot() as tx:
        case = tx.cases.for_item("local", "post-1")
    assert case is not None
    token = _login(site, "mod")

    marked = site.post(f"/cases/{case.id}/threat", data={"countries": "", "note": "a date and a place", "csrf": token})
    page = site.get(marked.headers["location"])
    referred = site.post(
        f"/cases/{case.id}/threat/referrals", data={"authority": "0", "channel": "phone", "csrf": token}
    )

    assert "Europol" in page.text and "fallback" in page.text
    assert referred.status_code == 303
    assert re.search(r"<td>mod</td><td>Europol \(EU\)</td><td>phone</td>", site.get(f"/cases/{case.id}/threat").text)
    with service.db.snapshot() as tx:
        assert tx.cases.get(case.id).priority == 1000  # type: ignore[union-attr]
