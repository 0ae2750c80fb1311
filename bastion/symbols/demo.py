"""The demo's symbols: the invented Crimson Dawn Brigade's emblem in a symbol bank, a look-alike town badge in an
allow bank, and two fictional images: a leaflet photo carrying the emblem, and a news photo of it with a caption."""

from __future__ import annotations

import base64

from bastion.core import Bank, Item, Kind, Media
from bastion.store.db import Database
from bastion.symbols.demo_art import crimson_dawn_emblem, png, scene_with, sunrise_town_badge
from bastion.symbols.registry import add_symbol, create_symbol_bank

DEMO_SYMBOL_BANK = "demo-symbols"
DEMO_LOOKALIKE_BANK = "demo-symbol-lookalikes"


def demo_symbols(db: Database) -> None:
    """The two demo symbol banks, once."""
    with db.transaction() as tx:
        if tx.banks.named(DEMO_SYMBOL_BANK) is not None:
            return
        create_symbol_bank(tx, Bank(name=DEMO_SYMBOL_BANK, description="the fictional demo group's emblem"), "demo")
        add_symbol(
            tx,
            DEMO_SYMBOL_BANK,
            [png(crimson_dawn_emblem())],
            "Crimson Dawn Brigade emblem (fictional)",
            "demo",
            labels=["branded terrorist content"],
            source="demo (drawn by code)",
        )
        lookalikes = Bank(name=DEMO_LOOKALIKE_BANK, description="ordinary badges that look alike", benign=True)
        create_symbol_bank(tx, lookalikes, "demo")
        add_symbol(tx, DEMO_LOOKALIKE_BANK, [png(sunrise_town_badge())], "Sunrise town badge (fictional)", "demo")


def demo_symbol_items() -> list[Item]:
    leaflet = png(scene_with(crimson_dawn_emblem(), fraction=0.22, seed=11))
    news = png(scene_with(crimson_dawn_emblem(), fraction=0.18, seed=12))
    return [
        Item(
            id="demo-symbol-leaflet",
            kind=Kind.IMAGE,
            author="acct-3307",
            surface="group_post",
            text="found this on the table at the stall",
            media=Media(base64=base64.b64encode(leaflet).decode(), content_type="image/png"),
        ),
        Item(
            id="demo-symbol-news",
            kind=Kind.IMAGE,
            author="acct-1180",
            surface="public_post",
            text="Photo by our correspondent: a banner of the fictional brigade seen at a market, police said",
            media=Media(base64=base64.b64encode(news).decode(), content_type="image/png"),
        ),
    ]
