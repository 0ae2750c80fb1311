"""The actor page over HTTP: an account's history (items, verdicts, cases, decisions, profile over time) and the
case page's link to it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bastion.core import Category, Item, Kind, utcnow
from bastion.review.cases import Decision, claim, decide
from bastion.service import Service
from tests.web.test_pages import _login, browser  # noqa: F401  (the fixture)


def test_the_case_page_links_to_the_author_whose_page_shows_the_history(
    browser: TestClient,  # noqa: F811
    service: Service,
) -> None:
    service.check(
        [
            Item(
                id="prof-1",
                kind=Kind.PROFILE,
                text="Fictional herald",
                author="acct-9",
                metadata={"name": "Dawn Herald"},
            )
        ]
    )
    service.check([Item(id="post-1", text="Join the Crimson Dawn Brigade today", author="acct-9")])
    service.check([Item(id="post-2", text="Nice weather", author="acct-9")])
    with service.db.transaction() as tx:
        case = tx.cases.for_item("local", "post-1")
        assert case is not None
        moderator = tx.users.named("mod")
        claim(tx, case.id, moderator, utcnow())
        decide(tx, case.id, moderator, Decision.REMOVE, utcnow(), Category.RECRUITMENT)
    _login(browser, "mod")
    page = browser.get(f"/cases/{case.id}").text
    link = re.search(r'href="(/actors/\d+)" class="actor-link">acct-9<', page)
    assert link, "the case page links to its author's actor page"
    actor = browser.get(link.group(1))
    assert actor.status_code == 200
    assert "Dawn Herald" in actor.text  # the profile over time
    assert re.search(rf"<code>post-1</code>.*?#{case.id}</a> decided</td><td>remove", actor.text, re.S)
    assert "<code>post-2</code>" in actor.text and 'id="actor-removed">' in actor.text
