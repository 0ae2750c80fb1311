"""The symbols detector through the one door: a registered emblem found in a new picture, vetoed by an allowed
look-alike, shown as context in a news item, recorded, and quarantined when it matches too much."""

from __future__ import annotations

import base64

from bastion.core import Action, Bank, Category, Item, Kind, Media, Verdict
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.symbols.registry import add_symbol, create_symbol_bank
from tests.symbols.conftest import emblem_png, emblem_scene, lookalike_scene, town_badge_png, town_badge_scene


def _register(db: Database, allow_town_badge: bool = False) -> None:
    with db.transaction() as tx:
        create_symbol_bank(tx, Bank(name="groups"), "test")
        add_symbol(tx, "groups", [emblem_png()], "Crimson Dawn emblem", "test", source="fictional")
        if allow_town_badge:
            create_symbol_bank(tx, Bank(name="look-alikes", benign=True), "test")
            add_symbol(tx, "look-alikes", [town_badge_png()], "Sunrise town badge", "test")


def _image(item_id: str, data: bytes, text: str | None = None) -> Item:
    return Item(id=item_id, kind=Kind.IMAGE, text=text, media=Media(base64=base64.b64encode(data).decode()))


def _symbols_signal(verdict: Verdict) -> dict:
    return next(s for s in verdict.model_dump(mode="json")["signals"] if s["detector"] == "symbols")


def test_an_emblem_in_a_new_picture_is_found_with_its_bank_score_and_outline(db: Database, service: Service) -> None:
    _register(db)
    verdict = service.check([_image("leaflet", emblem_scene(fraction=0.25))], platform="p")[0]
    assert isinstance(verdict, Verdict)
    assert verdict.action is Action.REVIEW and verdict.categories == [Category.PROPAGANDA]
    signal = _symbols_signal(verdict)
    evidence = signal["evidence"]
    assert evidence["symbol"] == "Crimson Dawn emblem" and evidence["bank"] == "groups"
    assert 0.5 < signal["score"] <= 1.0 and evidence["image_size"] == [800, 600]
    xs = [x for x, _ in evidence["polygon"]]
    assert 150 < max(xs) - min(xs) < 250  # the emblem is 200 px wide in the 800 px scene
    with db.snapshot() as tx:
        [match] = tx.symbols.matches_of_item("p", "leaflet")
        assert match.polygon == evidence["polygon"]


def test_a_picture_without_the_emblem_gets_no_symbol_signal(db: Database, service: Service) -> None:
    _register(db)
    verdict = service.check([_image("harbour", lookalike_scene())], platform="p")[0]
    assert isinstance(verdict, Verdict) and verdict.action is Action.ALLOW
    assert all(s.detector != "symbols" for s in verdict.signals)


def test_an_allowed_look_alike_vetoes_the_match_on_the_same_spot(db: Database, service: Service) -> None:
    _register(db, allow_town_badge=True)
    verdict = service.check([_image("town", town_badge_scene())], platform="p")[0]
    assert isinstance(verdict, Verdict) and verdict.action is Action.ALLOW
    evidence = _symbols_signal(verdict)["evidence"]
    assert evidence["match"] is None
    assert evidence["vetoed_by"][0]["label"] == "Crimson Dawn emblem"
    assert evidence["vetoed_by"][0]["look_alike"]["label"] == "Sunrise town badge"
    # The group's own emblem is still found where no look-alike stands.
    still = service.check([_image("leaflet", emblem_scene())], platform="p")[0]
    assert isinstance(still, Verdict) and still.action is Action.REVIEW


def test_in_a_news_item_the_symbol_is_context_not_an_accusation(db: Database, service: Service) -> None:
    _register(db)
    caption = "Photo by our correspondent: a fictional banner seen at the market, police said on Monday"
    verdict = service.check([_image("news", emblem_scene(), text=caption)], platform="p")[0]
    assert isinstance(verdict, Verdict) and verdict.action is Action.ALLOW
    signal = _symbols_signal(verdict)
    assert signal["category"] == "news" and signal["evidence"]["symbol"] == "Crimson Dawn emblem"
    assert signal["evidence"]["context"] == {"category": "news", "cue": "Photo by"}


def test_a_symbol_matching_too_many_items_is_quarantined(settings: Settings, db: Database) -> None:
    _register(db)
    service = Service.from_settings(settings.model_copy(update={"quarantine_matches_per_hour": 2}), db)
    service.check([_image(f"flood-{n}", emblem_scene(seed=n)) for n in range(3)], platform="p")
    with db.snapshot() as tx:
        symbol = tx.symbols.get(1)
        assert symbol is not None and symbol.state == "quarantined"
        assert tx.audit.has("symbol.quarantined", "symbol:1")
