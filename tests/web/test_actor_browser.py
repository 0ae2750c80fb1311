"""The actor page in Chromium: from a conduct case's evidence to the account's page (profile over time, strikes,
items and decisions, the co-posting cluster) and one case for the whole cluster.

Refresh docs/screenshots/actor.png with BASTION_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from bastion.api.app import create_app
from bastion.core import Category, Item, Kind, utcnow
from bastion.review.accounts import Role, create_user
from bastion.review.cases import Decision, claim, decide
from bastion.service import Service
from bastion.settings import Settings
from tests.web.test_browser import DOCS_SCREENSHOTS, PASSWORD, browser, serving

__all__ = ["browser"]
pytestmark = pytest.mark.browser
_LINK = "https://mirror.fictional.example/v/12"
_POLICY = """
thresholds:
  - name: three-in-a-month
    when: "strikes.total >= 3"
    priority: 35
network:
  window_minutes: 60
  min_shared: 1
"""


def _records(service: Service) -> int:
    """A fictional supporter's account: two profiles, three removed posts, two co-posters; its conduct case id."""
    for n, name in enumerate(["Dawn Herald", "Dawn Herald 2"]):
        bio = "Fictional brigade news, daily." + (" New channel." if n else "")
        metadata = {"name": name, "bio": bio, "avatar_pdq": f"{n}" * 64}
        service.check([Item(id=f"prof-{n}", kind=Kind.PROFILE, text=bio, author="herald", metadata=metadata)])
    start = utcnow() - timedelta(hours=2)
    posts = [("herald", f"h-{n}", n) for n in range(3)] + [("echo-1", "e-1", 4), ("echo-2", "e-2", 9)]
    for author, item_id, minutes in posts:
        text = f"Glory to the crimson martyrs {_LINK}"
        room = {"id": "room-5", "name": "Fictional evening chat"}
        when = start + timedelta(minutes=minutes)
        service.check([Item(id=item_id, text=text, author=author, created_at=when, metadata={"container": room})])
    service.check([Item(id="h-ok", text="Nice weather on the fictional coast", author="herald")])
    with service.db.transaction() as tx:
        moderator = tx.users.named("ada")
        for _, item_id, _ in posts:
            case = tx.cases.for_item("local", item_id)
            claim(tx, case.id, moderator, utcnow())
            decide(tx, case.id, moderator, Decision.REMOVE, utcnow(), Category.GLORIFICATION, conduct=service.conduct)
        actor = tx.actors.find("local", "account", "herald")
        ((_, conduct_case),) = tx.conduct.cases_about(actor.id)
        return conduct_case.id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    data = tmp_path_factory.mktemp("actor-site")
    policy = data / "conduct.yaml"
    policy.write_text(_POLICY)
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'bastion.db'}",
        secure_cookies=False,
        conduct_policy_file=policy,
    )
    service = Service.from_settings(settings)
    with service.db.transaction() as tx:
        for name in ("ada", "bo"):
            create_user(tx, name, PASSWORD, Role.MODERATOR, "test")
    case_id = _records(service)
    with serving(create_app(settings, service)) as url:
        yield url, case_id


def test_a_moderator_goes_from_the_conduct_case_to_the_actor_page_and_opens_a_cluster_case(
    browser: Browser, site: tuple[str, int], tmp_path_factory: pytest.TempPathFactory
) -> None:
    url, case_id = site
    target: Path = DOCS_SCREENSHOTS if os.environ.get("BASTION_UPDATE_SCREENSHOTS") else tmp_path_factory.mktemp("s")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/login")
    page.get_by_label("Username").fill("bo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{url}/cases/{case_id}")
    expect(page.locator("#actor-evidence")).to_contain_text("3 upheld glorification removals in 30 days")
    page.locator("#item-actors a.actor-link", has_text="herald").first.click()
    expect(page).to_have_url(re.compile(rf"{url}/actors/\d+$"))
    expect(page.locator("#actor-id")).to_have_text("herald")
    expect(page.locator("#actor-removed")).to_have_text("3")
    expect(page.locator("#profiles tbody tr")).to_have_count(2)  # the profile over time, newest first
    expect(page.locator("#profiles tbody tr").first).to_contain_text("Dawn Herald 2")
    expect(page.locator("#strikes li")).to_have_count(3)
    expect(page.locator("#actor-cases")).to_contain_text("conduct · open")
    expect(page.locator("#actor-items")).to_contain_text("h-ok")
    expect(page.locator("#cluster li")).to_have_count(3)
    expect(page.locator("#shared")).to_contain_text("herald ↔ echo-1: url:mirror.fictional.example/v/12")
    page.screenshot(path=str(target / "actor.png"), full_page=True)
    page.locator("#open-cluster-case").click()
    expect(page).to_have_url(re.compile(rf"{url}/cases/\d+$"))
    expect(page.locator("#actor-evidence")).to_contain_text("3 accounts posted the same removed media or links")
    page.close()
