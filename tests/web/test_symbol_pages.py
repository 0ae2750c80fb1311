"""Symbols on the case page through an HTTP client: the outline over the image, confirm and dispute (audited,
counted in the symbol's precision), a region of the image added to a symbol bank, and the checks on each form."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.core import Bank, Item, Kind, Media
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.symbols.registry import add_symbol, create_symbol_bank
from tests.symbols.conftest import emblem_png, emblem_scene

PASSWORD = "fictional-password-1"


@pytest.fixture
def browser(settings: Settings, service: Service) -> TestClient:
    with service.db.transaction() as tx:
        create_user(tx, "mod", PASSWORD, Role.MODERATOR, "test")
        create_user(tx, "aud", PASSWORD, Role.AUDITOR, "test")
        create_symbol_bank(tx, Bank(name="groups"), "test")
        add_symbol(tx, "groups", [emblem_png()], "Crimson Dawn emblem", "test")
        create_symbol_bank(tx, Bank(name="look-alikes", benign=True), "test")
    media = Media(base64=base64.b64encode(emblem_scene()).decode(), content_type="image/png")
    service.check([Item(id="leaflet", kind=Kind.IMAGE, media=media)], platform="p")
    return TestClient(create_app(settings, service), follow_redirects=False)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _login(client: TestClient, username: str) -> str:
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token})
    page = client.get("/cases/1")
    assert page.status_code == 200
    return page.text


def test_the_case_page_draws_the_outline_and_names_the_symbol(browser: TestClient) -> None:
    page = _login(browser, "mod")
    assert 'id="symbol-outlines" viewBox="0 0 800 600"' in page
    assert re.search(r'<polygon class="symbol-outline " data-match="1" points="[\d.]+,[\d.]+ ', page)
    assert "Crimson Dawn emblem" in page and 'class="media blurred' in page  # blurred by default


def test_confirm_and_dispute_are_audited_and_make_the_precision(browser: TestClient, db: Database) -> None:
    page = _login(browser, "mod")
    response = browser.post("/cases/1/symbol-matches/1", data={"opinion": "dispute", "csrf": _csrf(page)})
    assert response.status_code == 303
    assert "disputed by mod" in browser.get("/cases/1").text
    with db.snapshot() as tx:
        assert tx.symbols.opinions([1]) == {1: (0, 1)}
        assert tx.audit.has("symbol.match.dispute", "symbol:1")
    browser.post("/cases/1/symbol-matches/1", data={"opinion": "confirm", "csrf": _csrf(page)})
    with db.snapshot() as tx:
        assert tx.symbols.opinions([1]) == {1: (1, 0)}


def test_an_auditor_may_look_but_not_judge_a_match(browser: TestClient) -> None:
    page = _login(browser, "aud")
    assert "The symbol is there" not in page
    response = browser.post("/cases/1/symbol-matches/1", data={"opinion": "confirm", "csrf": _csrf(page)})
    assert response.status_code == 403


def test_a_region_of_the_image_is_added_to_a_symbol_bank(browser: TestClient, db: Database) -> None:
    page = _login(browser, "mod")
    form = {"bank": "look-alikes", "label": "market stall sign", "x": "0", "y": "0", "width": "300", "height": "200"}
    response = browser.post("/cases/1/symbol-crop", data=form | {"csrf": _csrf(page)})
    assert response.status_code == 303
    assert "Region added to look-alikes" in browser.get("/cases/1").text
    with db.snapshot() as tx:
        [symbol] = tx.symbols.of_bank(tx.banks.named("look-alikes").id)  # type: ignore[union-attr]
        assert symbol.label == "market stall sign" and symbol.source == "case:1" and symbol.added_by == "mod"


@pytest.mark.parametrize(
    ("box", "message"),
    [(("700", "500", "300", "300"), "outside the 800 x 600 image"), (("0", "0", "8", "8"), "at least 16 x 16")],
)
def test_a_region_outside_the_image_or_too_small_is_refused_clearly(
    browser: TestClient, box: tuple[str, ...], message: str
) -> None:
    page = _login(browser, "mod")
    form = dict(zip(("x", "y", "width", "height"), box, strict=True)) | {"bank": "groups", "label": "x"}
    browser.post("/cases/1/symbol-crop", data=form | {"csrf": _csrf(page)})
    assert message in browser.get("/cases/1").text
