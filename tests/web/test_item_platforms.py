"""Two platforms' items of one id on the review pages: each case shows its own platform and its own item."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bastion.api.app import create_app
from bastion.core import Item
from bastion.review.accounts import Role, create_user
from bastion.service import Service
from bastion.settings import Settings
from tests.web.test_pages import PASSWORD, _csrf


def test_each_case_page_names_its_items_platform(settings: Settings, service: Service) -> None:
    texts = {"forum-a": "Join the Crimson Dawn Brigade today", "forum-b": "Join the Crimson Dawn Brigade, forum b"}
    for platform, text in texts.items():
        service.check([Item(id="p-1", text=text)], platform)
    with service.db.transaction() as tx:
        create_user(tx, "mod", PASSWORD, Role.MODERATOR, "test")
        cases = {platform: tx.cases.for_item(platform, "p-1") for platform in texts}
    client = TestClient(create_app(settings, service), follow_redirects=False)
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": "mod", "password": PASSWORD, "csrf": token})
    for platform, case in cases.items():
        assert case is not None
        page = client.get(f"/cases/{case.id}").text
        shown = re.search(r'id="item-platform">([^<]*)<', page)
        assert shown and shown.group(1) == platform
        paragraph = re.search(r'<p class="text" id="item-text"[^>]*>(.*?)</p>', page, re.S)
        assert paragraph and re.sub(r"<[^>]+>", "", paragraph.group(1)) == texts[platform]
