"""Languages the fast tier was never taught TVEC in are judged by the multilingual deep tier alone."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bastion.detectors.text_model import CategoryCues, TextModelDetector
from bastion.settings import Settings
from bastion.text.model import DeepRoute, TextModel, prepare
from tests.detectors.contract import content_of

FRENCH = "Les soldats de l'Aube Pourpre promettent la gloire aux jeunes du quartier."


@pytest.fixture(scope="module")
def packaged() -> TextModel:
    return TextModel.load()


@pytest.fixture(scope="module")
def routed(packaged: TextModel) -> TextModel:
    """The packaged model with French sent down the route at a known line."""
    return dataclasses.replace(packaged, route=DeepRoute(frozenset({"fr"}), {"*": 0.5}))


def test_a_route_language_is_scored_by_the_deep_tier_alone(routed: TextModel) -> None:
    [as_french] = routed.score([prepare(FRENCH)], ["fr"])
    [unrouted] = routed.score([prepare(FRENCH)], ["en"])

    assert as_french.tier == "deep_only"
    assert as_french.p_deep is not None and as_french.p_tvec == pytest.approx(as_french.p_deep)
    assert unrouted.tier != "deep_only"
    assert routed.threshold_for("fr") == 0.5
    assert routed.threshold_for("en") == routed.thresholds["en"]


def test_the_route_head_judges_the_route_and_the_cascade_head_the_rest(routed: TextModel, tmp_path: Path) -> None:
    """A route head of its own (one that learnt without the encoder's language directions) scores route
    languages; every other text the deep tier reads keeps the cascade's head; both survive saving."""
    assert routed.deep is not None
    flipped = dataclasses.replace(routed.deep, coef=-routed.deep.coef, intercept=-routed.deep.intercept)
    two_heads = dataclasses.replace(routed, route_deep=flipped, deep_from=0.0)  # every text reaches the deep tier
    texts = [prepare(FRENCH)] * 2

    one_head = routed.score(texts, ["fr", "en"])
    as_french, as_english = two_heads.score(texts, ["fr", "en"])

    assert as_french.p_deep is not None and one_head[0].p_deep is not None
    assert as_french.p_deep != pytest.approx(one_head[0].p_deep), "the route head scored the French text"
    assert as_english.p_deep == pytest.approx(routed.deep.probabilities(routed._embed(texts[:1]))[0, 0], abs=1e-5)
    two_heads.save(tmp_path)
    reloaded = TextModel.load(tmp_path)
    assert reloaded.route_deep is not None
    assert [s.p_tvec for s in reloaded.score(texts, ["fr", "en"])] == pytest.approx(
        [s.p_tvec for s in two_heads.score(texts, ["fr", "en"])]
    )


def test_a_model_without_a_share_in_the_cascade_keeps_its_route(packaged: TextModel) -> None:
    """At share 0 the deep tier judges its route languages alone and is never consulted elsewhere."""
    route = DeepRoute(frozenset({"fr"}), {"*": 0.5})
    unshared = dataclasses.replace(packaged, deep_weight=0.0, deep_from=0.0, route=route)  # hand on every text
    texts = [prepare(FRENCH)] * 2

    as_french, as_english = unshared.score(texts, ["fr", "en"])

    assert unshared.line_of("fr") == "route:*"
    assert as_french.tier == "deep_only"
    assert as_french.p_deep is not None and as_french.p_tvec == pytest.approx(as_french.p_deep)
    assert as_english.tier == "fast"
    assert as_english.p_tvec == pytest.approx(as_english.p_fast)


def test_the_detector_reports_the_route_and_its_line(routed: TextModel) -> None:
    detector = TextModelDetector(routed, CategoryCues.load(Settings().category_cues))

    [signal] = detector.detect(content_of(FRENCH, lang="fr"))

    assert signal.evidence["tier"] == "deep_only"
    assert signal.evidence["threshold"] == 0.5
    assert signal.evidence["line"] == "route:*"
    assert signal.category.is_violating == (signal.score >= 0.5)


def test_the_route_is_saved_and_loaded(routed: TextModel, tmp_path: Path) -> None:
    routed.save(tmp_path)
    loaded = TextModel.load(tmp_path)

    assert loaded.route == routed.route


def test_the_packaged_model_routes_untaught_languages(packaged: TextModel) -> None:
    assert packaged.route is not None
    assert {"fr", "de", "es", "ru", "tr"} <= packaged.route.languages
    assert not {"en", "ar"} & packaged.route.languages
