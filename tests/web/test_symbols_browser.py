"""Symbols on the case page in a real browser (Debian's Chromium via Playwright): the outline over the blurred
image, a dispute recorded, a region added to a symbol bank; with a screenshot for docs/screenshots/."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from bastion.api.app import create_app
from bastion.core import Bank, Item, Kind, Media
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings
from bastion.symbols.registry import add_symbol, create_symbol_bank
from tests.symbols.conftest import emblem_png, emblem_scene
from tests.web.test_browser import DOCS_SCREENSHOTS, PASSWORD, Site, _login, browser, serving

__all__ = ["browser"]  # the module's Chromium, shared with the other browser tests' fixture
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("symbol-site")
    settings = Settings(
        data_dir=data, database_url=f"sqlite:///{data / 'bastion.db'}", bank_refresh_seconds=0, secure_cookies=False
    )
    service = Service.from_settings(settings)
    with service.db.transaction() as tx:
        create_user(tx, "ada", PASSWORD, Role.MODERATOR, "test")
        create_symbol_bank(tx, Bank(name="emblems", description="fictional"), "test")
        add_symbol(tx, "emblems", [emblem_png()], "Crimson Dawn Brigade emblem (fictional)", "test")
        create_symbol_bank(tx, Bank(name="look-alikes", benign=True), "test")
    media = Media(base64=base64.b64encode(emblem_scene(fraction=0.22, seed=11)).decode(), content_type="image/png")
    item = Item(id="leaflet", kind=Kind.IMAGE, author="acct-3307", text="found this at the stall", media=media)
    service.check([item], "browser-test")
    with serving(create_app(settings, service)) as url:
        yield Site(url, service.db, "")


def test_the_symbol_outline_is_drawn_over_the_blurred_image_and_a_match_can_be_disputed(
    browser: Browser, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Refresh docs/screenshots/symbol-case.png with BASTION_UPDATE_SCREENSHOTS=1."""
    target = DOCS_SCREENSHOTS if os.environ.get("BASTION_UPDATE_SCREENSHOTS") else tmp_path_factory.mktemp("shots")
    page = _login(browser, site, "ada")
    page.goto(f"{site.url}/cases/1")
    outline = page.locator("#symbol-outlines polygon")
    expect(outline).to_have_count(1)
    expect(outline).to_be_attached()
    box = page.locator("#symbol-outlines").bounding_box()
    image = page.locator("#media img").bounding_box()
    assert box is not None and image is not None and abs(box["width"] - image["width"]) < 2  # drawn over the image
    assert "blur" in page.locator("#media img").evaluate("e => getComputedStyle(e).filter")
    assert "blur" not in page.locator("#symbol-outlines").evaluate("e => getComputedStyle(e).filter")
    expect(page.locator("#symbols")).to_contain_text("Crimson Dawn Brigade emblem (fictional)")
    page.locator("#symbols").scroll_into_view_if_needed()
    page.screenshot(path=str(target / "symbol-case.png"), full_page=True)
    assert (target / "symbol-case.png").stat().st_size > 10_000

    page.get_by_role("button", name="Not this symbol").click()
    expect(page.locator("#symbol-match-1")).to_contain_text("disputed by ada")
    expect(page.locator("#symbol-outlines polygon.dispute")).to_have_count(1)


def test_a_moderator_adds_a_region_of_the_image_to_an_allow_bank(browser: Browser, site: Site) -> None:
    page = _login(browser, site, "ada")
    page.goto(f"{site.url}/cases/1")
    page.locator("#crop-bank").select_option("look-alikes")
    page.locator("#crop-label").fill("stall sign (fictional)")
    expect(page.locator("#crop-w")).not_to_have_value("64")  # prefilled with the match's box
    page.locator("#crop-add").click()
    expect(page.locator(".flash")).to_contain_text("Region added to look-alikes")
