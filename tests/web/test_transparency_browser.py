"""The transparency report in Debian's Chromium: a legal officer opens it over the demo's records plus notices,
decisions and a threat to life, reads the same figures as its JSON export, and downloads the CSV."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from bastion.api.app import create_app
from bastion.api.scopes import Scope
from bastion.core import Category, utcnow
from bastion.demo import DEMO_PASSWORD, DEMO_PLATFORM, load_demo
from bastion.legal.notifiers import register_notifier
from bastion.legal.threats import mark_threat
from bastion.review.cases import Decision, claim, decide
from bastion.service import Service
from bastion.settings import Settings
from tests.web.test_browser import DOCS_SCREENSHOTS, browser, serving

__all__ = ["browser"]
pytestmark = pytest.mark.browser
RECRUITING = "Brothers, join the Crimson Dawn Brigade today. The gates are open."


def _records(service: Service, url: str) -> None:
    """Notices (one from a trusted flagger), their decisions and a threat to life, on top of the demo's."""
    with service.db.transaction() as tx:
        key = tx.keys.create(DEMO_PLATFORM, [Scope.NOTICE]).secret
        flagger = register_notifier(tx, "Fictional Referral Unit", "iru@example.org", "test", utcnow(), True, "DE")
    for n, extra in enumerate([{}, {"notifier_code": flagger.code}, {"notice_type": "illegal_hate_speech"}]):
        body = {
            "notice_type": "terrorist_content",
            "explanation": "The post recruits for the fictional Crimson Dawn Brigade.",
            "item": {"id": f"noticed-{n}", "text": RECRUITING, "lang": "en" if n else "fr"},
            "notifier_name": "Ana Example",
            "notifier_email": "ana@example.org",
            "good_faith": True,
        } | extra
        response = httpx.post(f"{url}/v1/notices", json=body, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 201, response.text
    with service.db.transaction() as tx:
        moderator = tx.users.active("moderator")
        assert moderator is not None
        for n in range(2):
            case = tx.cases.for_item(DEMO_PLATFORM, f"noticed-{n}")
            assert case is not None
            claim(tx, case.id, moderator, utcnow())
            decide(tx, case.id, moderator, Decision.REMOVE, utcnow(), Category.RECRUITMENT)
        threatening = tx.cases.for_item(DEMO_PLATFORM, "noticed-2")
        assert threatening is not None
        mark_threat(tx, threatening.id, moderator, ["DE"], "a date and a place", utcnow())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("report-site")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'bastion.db'}", secure_cookies=False)
    service = Service.from_settings(settings)
    load_demo(settings, service.db)
    with serving(create_app(settings, service)) as url:
        _records(service, url)
        yield url


def test_the_report_renders_its_figures_and_exports_them(
    browser: Browser, site: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Refresh docs/screenshots/transparency-report.png with BASTION_UPDATE_SCREENSHOTS=1."""
    target = DOCS_SCREENSHOTS if os.environ.get("BASTION_UPDATE_SCREENSHOTS") else tmp_path_factory.mktemp("shots")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site}/login")
    page.get_by_label("Username").fill("legal")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Transparency report").click()

    figures = page.request.get(f"{site}/legal/report?format=json").json()
    expect(page.locator("#restrictions-total")).to_have_text(str(figures["restrictions"]["total"]))
    expect(page.locator("#notices-total")).to_have_text("3")
    expect(page.locator("#notices-trusted")).to_have_text("1")
    expect(page.locator("#threats-marked")).to_have_text("1")
    expect(page.locator("#by-source li")).to_have_count(len(figures["restrictions"]["by_source"]))
    expect(page.locator("#by-source")).to_contain_text("trusted flagger notice")
    bar = page.locator("#by-source .bar").first
    assert bar.bounding_box() is not None and bar.bounding_box()["width"] > 50  # type: ignore[index]

    with page.expect_download() as download:
        page.locator("#export-csv").click()
    csv_text = Path(download.value.path()).read_text()
    assert csv_text.startswith("section,indicator,breakdown,value,basis")
    assert "notices_from_trusted_flaggers,,1," in csv_text

    page.screenshot(path=str(target / "transparency-report.png"), full_page=True)
    assert (target / "transparency-report.png").stat().st_size > 10_000
