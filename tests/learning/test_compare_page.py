"""An admin compares the live model with a candidate in shadow in a real browser, promotes it, and rolls it back."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bastion.api.app import create_app
from bastion.core import utcnow
from bastion.learning.labels import decision_rows
from bastion.learning.registry import register, start_shadow
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings
from bastion.text.model import TextModel
from bastion.training.relined import relined
from bastion.training.train import train
from tests.learning.traffic import check_and_decide
from tests.web.test_browser import serving

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "fictional-password-1"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Site:
    url: str
    live: str
    candidate: str
    stricter: str  # the live model with its reference line moved by the platform


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, fictional_data: Path, fictional_model_dir: Path) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("learning-site")
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'bastion.db'}",
        text_model_dir=fictional_model_dir,
        detectors=["text"],
        blind_sample_rate=1.0,
        model_refresh_seconds=0,
        secure_cookies=False,
    )
    service = Service.from_settings(settings)
    with service.db.transaction() as tx:
        moderator = create_user(tx, "ada", PASSWORD, Role.MODERATOR, "test")
        create_user(tx, "root", PASSWORD, Role.ADMIN, "test")
    check_and_decide(service, moderator, "before")
    decisions = data / "decisions.jsonl"
    with service.db.snapshot() as tx:
        decisions.write_text("".join(json.dumps(row) + "\n" for row in decision_rows(tx, weight=2.0)))
    candidate = train([fictional_data, decisions], data / "candidate", cross_source=False)
    with service.db.transaction() as tx:
        register(tx, data / "candidate", "test", utcnow())
        start_shadow(tx, candidate.version, "test", utcnow())
    stricter = relined(TextModel.load(fictional_model_dir), {"*": 0.9}, "fictional review load", utcnow())
    stricter.save(data / "stricter")
    with service.db.transaction() as tx:
        register(tx, data / "stricter", "test", utcnow())
    check_and_decide(service, moderator, "after")
    live = json.loads((fictional_model_dir / "model.json").read_text())["version"]
    with serving(create_app(settings, service)) as url:
        yield Site(url, live, candidate.version, stricter.version)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (the README's set-up installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield launched
        launched.close()


def _login(browser: Browser, site: Site, username: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{site.url}/queue")
    return page


def test_an_admin_compares_promotes_and_rolls_back(
    browser: Browser, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Refresh docs/screenshots/model-compare.png with BASTION_UPDATE_SCREENSHOTS=1."""
    target = DOCS_SCREENSHOTS if os.environ.get("BASTION_UPDATE_SCREENSHOTS") else tmp_path_factory.mktemp("shots")
    page = _login(browser, site, "root")
    page.get_by_role("link", name="Models").click()
    expect(page.locator("#serving")).to_have_text(site.live)
    comparison = page.locator("#comparison")
    expect(comparison).to_contain_text(site.candidate)
    expect(comparison.get_by_role("row", name="threat")).to_be_visible()  # the people's categories
    expect(comparison.get_by_role("row", name="recruitment")).to_be_visible()
    page.screenshot(path=str(target / "model-compare.png"), full_page=True)
    assert (target / "model-compare.png").stat().st_size > 10_000

    row = page.locator("#models tr", has_text=site.candidate)
    row.get_by_role("button", name="Promote").click()
    expect(page.locator(".flash")).to_contain_text(f"Model {site.candidate} is live")
    expect(page.locator("#serving")).to_have_text(site.candidate)
    page.locator("#models tr", has_text=site.candidate).get_by_role("button", name="Roll back").click()
    expect(page.locator(".flash")).to_contain_text("configured serves now")
    expect(page.locator("#serving")).to_have_text(site.live)

    page.get_by_role("link", name="Dashboard").click()
    figures = page.locator("#production tbody tr", has=page.get_by_role("rowheader", name="all", exact=True))
    expect(figures).to_contain_text("100%")  # precision: every flagged post was confirmed
    expect(figures).to_contain_text("75%")  # recall: 6 found, 2 missed among the 6 blind samples


def test_an_admin_sees_which_lines_a_candidate_moved_and_why(browser: Browser, site: Site) -> None:
    page = _login(browser, site, "root")
    page.goto(f"{site.url}/admin/models")
    lines = page.locator("#models tr", has_text=site.stricter).locator(".lines")
    expect(lines).to_contain_text("* 0.9")
    expect(lines).to_contain_text(f"moved from {site.live}")
    expect(lines).to_contain_text("fictional review load")
    expect(page.locator("#models tr", has_text=site.candidate).locator(".lines")).not_to_contain_text("moved")


def test_moderators_read_the_policy_from_the_case_page(browser: Browser, site: Site) -> None:
    page = _login(browser, site, "ada")
    page.goto(f"{site.url}/cases/1")
    with page.expect_popup() as opened:
        page.locator("#policy-link").click()
    policy = opened.value
    expect(policy.get_by_role("heading", level=1)).to_contain_text("Terrorist and violent extremist content")
    expect(policy.locator("#policy-version")).to_contain_text("1+")
    expect(policy.get_by_role("cell", name="not TVEC (religious)").first).to_be_visible()
    expect(policy.get_by_role("link", name="Models")).to_have_count(0)  # a moderator's menu has no models page
