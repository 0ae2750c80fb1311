"""The moderator's day in a real browser: Debian's Chromium driven by Playwright against a live server."""

from __future__ import annotations

import base64
import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from sqlalchemy import select

from bastion.api.app import create_app
from bastion.api.scopes import Scope
from bastion.core import Item, Kind, Media
from bastion.demo import DEMO_PASSWORD, demo_poster, load_demo
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.models.core import CaseRow
from bastion.store.models.review import OutboxRow
from tests.banks.conftest import b64, video

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "fictional-password-1"
# The README's screenshots are refreshed only when asked, so a test run leaves the tree clean.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Site:
    url: str
    db: Database
    api_key: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app served by a real uvicorn on a free local port, in a thread, for the browser: its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _repost_of_the_banked_poster() -> str:
    buffer = io.BytesIO()
    demo_poster(1).resize((560, 420)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _image(seed: int) -> str:
    buffer = io.BytesIO()
    demo_poster(seed).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


SHOT_POSTER = {
    "id": "shot-poster",
    "kind": "image",
    "author": "user-666",
    "surface": "group",
    "media": {"base64": _repost_of_the_banked_poster(), "content_type": "image/png"},
    "text": "Glory to the crimson martyrs of the dawn. Share before it is taken down.",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("site")
    settings = Settings(
        data_dir=data, database_url=f"sqlite:///{data / 'bastion.db'}", bank_refresh_seconds=0, secure_cookies=False
    )
    service = Service.from_settings(settings)
    with service.db.transaction() as tx:
        for name, role in [("ada", Role.MODERATOR), ("bo", Role.MODERATOR), ("root", Role.ADMIN)]:
            create_user(tx, name, PASSWORD, role, "test")
        key = tx.keys.create("browser-test", Scope).secret
    load_demo(settings, service.db)  # a realistic queue around the items the tests decide
    service.check(
        [
            Item.model_validate(SHOT_POSTER),
            Item(
                id="post-recruit",
                text="Brothers, join the Crimson Dawn Brigade today. The gates are open.",
                author="acct-41",
                lang="en",
            ),
            Item(
                id="post-poster",
                kind=Kind.IMAGE,
                author="acct-77",
                media=Media(base64=_image(3), content_type="image/png"),
                text="Glory to the crimson martyrs of the dawn",
            ),
        ],
        "browser-test",  # the key's platform: it reports and appeals these items
    )
    with serving(create_app(settings, service)) as url:
        yield Site(url, service.db, key)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (the README's set-up installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


def _login(browser: Browser, site: Site, username: str, width: int = 1280, password: str = PASSWORD) -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{site.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{site.url}/queue")
    return page


def _audit_total(browser: Browser, site: Site) -> int:
    page = _login(browser, site, "root")
    page.goto(f"{site.url}/audit")
    total = int(page.locator("#audit-total").inner_text().split()[0])
    page.close()
    return total


def _case_of(site: Site, item_id: str) -> int:
    with site.db.reader() as session:
        return session.scalars(select(CaseRow.id).where(CaseRow.item_id == item_id)).one()


def test_decide_by_keyboard_then_appeal_and_reverse_as_another_moderator(browser: Browser, site: Site) -> None:
    audit_before = _audit_total(browser, site)
    case_id = _case_of(site, "post-recruit")
    page = _login(browser, site, "ada")
    row = page.locator(f'tr.row[data-case="{case_id}"]')
    expect(row).to_be_visible()

    page.keyboard.press("j")
    row.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}/cases/{case_id}")
    expect(page.locator("#item-text mark").first).to_be_visible()  # the evidence is highlighted
    page.keyboard.press("c")
    expect(page.locator("#decide-form")).to_be_visible()
    page.keyboard.press("r")
    expect(page).to_have_url(f"{site.url}/queue")
    expect(page.locator(".flash")).to_contain_text(f"Case {case_id}: remove recorded")
    expect(page.locator(f'tr.row[data-case="{case_id}"]')).to_have_count(0)
    assert _audit_total(browser, site) > audit_before

    appeal = httpx.post(
        f"{site.url}/v1/appeals",
        headers={"Authorization": f"Bearer {site.api_key}"},
        json={"item_id": "post-recruit", "appellant": "acct-41", "text": "A line from my novel."},
    )
    assert appeal.status_code == 201

    other = _login(browser, site, "bo")
    other.goto(f"{site.url}/cases/{case_id}")
    other.keyboard.press("c")
    expect(other.get_by_text("A line from my novel.", exact=False)).to_be_visible()
    other.keyboard.press("x")
    expect(other).to_have_url(f"{site.url}/queue")
    with site.db.reader() as session:
        assert session.get(CaseRow, case_id).state == "redecided"
        assert "restore" in session.scalars(select(OutboxRow.action)).all()


def test_the_first_moderator_cannot_judge_the_appeal_against_them(browser: Browser, site: Site) -> None:
    case_id = _case_of(site, "post-poster")
    page = _login(browser, site, "ada")
    page.goto(f"{site.url}/cases/{case_id}")
    page.keyboard.press("c")
    expect(page.locator("#decide-form")).to_be_visible()
    page.keyboard.press("r")
    expect(page).to_have_url(f"{site.url}/queue")
    appeal = httpx.post(
        f"{site.url}/v1/appeals",
        headers={"Authorization": f"Bearer {site.api_key}"},
        json={"item_id": "post-poster", "appellant": "acct-77", "text": "fictional appeal"},
    )
    assert appeal.status_code == 201
    page.reload()
    expect(page.locator(f'tr.row[data-case="{case_id}"]')).to_have_count(0)  # not in their queue
    page.goto(f"{site.url}/cases/{case_id}")
    page.keyboard.press("c")
    expect(page.locator(".flash")).to_contain_text("different moderator")
    expect(page.locator("#decide-form")).to_have_count(0)


@pytest.mark.parametrize("kind", ["image", "video"])
def test_reveal_takes_the_blur_off_and_leaves_grayscale(browser: Browser, site: Site, kind: str) -> None:
    """The style the browser computes, not the class: a more specific blur rule once outlived the reveal."""
    data, content_type = (_image(7), "image/png") if kind == "image" else (b64(video((1, 2))), "video/mp4")
    item = {"id": f"reveal-{kind}", "kind": kind, "author": "acct-5", "text": "Brothers, join the Crimson Dawn Brigade"}
    checked = httpx.post(
        f"{site.url}/v1/check",
        headers={"Authorization": f"Bearer {site.api_key}"},
        json=item | {"media": {"base64": data, "content_type": content_type}},
        timeout=60,
    )
    assert checked.status_code == 200 and checked.json()["action"] == "review", checked.text
    page = _login(browser, site, "bo")  # a new moderator's defaults: blurred and grey
    page.goto(f"{site.url}/cases/{_case_of(site, item['id'])}")
    shown = page.locator("#media img" if kind == "image" else "#media video")

    def computed_filter() -> str:
        return str(shown.evaluate("element => getComputedStyle(element).filter"))

    assert computed_filter() == "blur(24px) grayscale(1)"
    page.get_by_role("button", name="Reveal media").click()
    assert computed_filter() == "grayscale(1)"
    page.keyboard.press("v")  # the key hides it again
    assert computed_filter() == "blur(24px) grayscale(1)"
    page.evaluate("document.getElementById('media').classList.remove('gray')")  # a moderator who turned grey off
    assert computed_filter() == "blur(24px)"
    page.keyboard.press("v")
    assert computed_filter() == "none"


def test_the_case_page_and_the_queue_fit_a_tablet(browser: Browser, site: Site) -> None:
    page = _login(browser, site, "bo", width=768)
    page.goto(f"{site.url}/cases/{_case_of(site, 'post-poster')}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    for path in ("/queue", "/me"):
        page.goto(f"{site.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 768, path


def test_the_api_docs_render_with_only_loopback_reachable(browser: Browser, site: Site) -> None:
    """Air-gapped networks: every request to another host is cut, and Swagger UI still shows the operations."""
    page = browser.new_page()
    outside: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", loopback_only)
    page.goto(f"{site.url}/docs")
    expect(page.locator('.opblock-summary-path[data-path="/v1/check"]')).to_have_text("/v1/check")
    expect(page.locator(".information-container .title")).to_contain_text("Bastion")
    assert outside == []


def test_a_moderator_cannot_reach_admin_pages(browser: Browser, site: Site) -> None:
    page = _login(browser, site, "bo")
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    response = page.goto(f"{site.url}/admin")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading")).to_contain_text("cannot open this page")


def test_screenshots_of_the_queue_and_a_claimed_case(
    browser: Browser, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Refresh docs/screenshots with BASTION_UPDATE_SCREENSHOTS=1; otherwise they go to a temporary dir."""
    target = DOCS_SCREENSHOTS if os.environ.get("BASTION_UPDATE_SCREENSHOTS") else tmp_path_factory.mktemp("shots")
    target.mkdir(parents=True, exist_ok=True)
    report = httpx.post(
        f"{site.url}/v1/reports",
        headers={"Authorization": f"Bearer {site.api_key}"},
        json={
            "item": SHOT_POSTER,
            "reporter": "user-303",
            "reason": "terrorism",
            "text": "Poster of that made-up brigade again",
        },
    )
    assert report.status_code == 201, report.text
    page = _login(browser, site, "moderator2", password=DEMO_PASSWORD)
    expect(page.locator("tr.row").first).to_be_visible()
    page.screenshot(path=str(target / "queue.png"), full_page=True)
    page.goto(f"{site.url}/cases/{_case_of(site, 'shot-poster')}")
    page.keyboard.press("c")
    expect(page.locator("#decide-form")).to_be_visible()
    expect(page.locator("#item-text mark").first).to_be_visible()
    expect(page.get_by_text("(upheld before: 50%)")).to_be_visible()  # a new reporter starts neutral
    page.screenshot(path=str(target / "case.png"), full_page=True)
    assert (target / "queue.png").stat().st_size > 10_000 and (target / "case.png").stat().st_size > 10_000


def test_the_queue_refreshes_in_place_and_keys_walk_it(browser: Browser, site: Site) -> None:
    page = _login(browser, site, "bo")
    before = page.locator("tr.row").count()
    checked = httpx.post(
        f"{site.url}/v1/check",
        headers={"Authorization": f"Bearer {site.api_key}"},
        json={"id": "post-late", "text": "Brothers, join the Crimson Dawn Brigade tonight", "author": "acct-90"},
    )
    assert checked.status_code == 200 and checked.json()["action"] == "review"
    page.evaluate("htmx.trigger('#queue-rows', 'refresh')")  # what the 30-second poll does
    expect(page.locator("tr.row")).to_have_count(before + 1)
    expect(page.locator("#queue-count")).to_have_text(f"{before + 1} cases")
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.locator("tr.row").nth(1)
    expect(second).to_be_focused()
    second_case = second.get_attribute("data-case")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}/cases/{second_case}")
