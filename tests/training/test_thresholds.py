"""Where the text model draws its line: at most 1% false positives per language and per protected context."""

from __future__ import annotations

import numpy as np

from bastion.text.model import LABELS, DeepRoute, TextModel, line_for, line_key
from bastion.training.corpus import Corpus
from bastion.training.thresholds import (
    NOT_DRAWING_OWN_LINE,
    draw_lines,
    route_languages,
    route_thresholds,
    thresholds_by_language,
)
from bastion.training.tiers import Predictions
from bastion.training.train import model_version


def _corpus(langs: np.ndarray, collections: np.ndarray, labels: list[str]) -> Corpus:
    n = len(langs)
    return Corpus(
        texts=[""] * n,
        originals=[""] * n,
        labels=np.array([LABELS.index(label) for label in labels]),
        strong=np.ones(n, dtype=bool),
        measured=np.ones(n, dtype=bool),
        collections=collections,
        sources=collections,
        langs=langs,
        ids=[str(i) for i in range(n)],
    )


def test_no_language_gets_a_threshold_below_the_broadest_sampled_one() -> None:
    """English negatives here come from two collections, French from one, Arabic from one that scores high."""
    langs = np.array(["en"] * 400 + ["fr"] * 300 + ["ar"] * 300)
    collections = np.array(["news"] * 200 + ["faith"] * 200 + ["replies"] * 300 + ["tweets"] * 300)
    scores = np.concatenate([np.linspace(0, 0.3, 400), np.linspace(0, 0.01, 300), np.linspace(0.5, 0.99, 300)])
    corpus = _corpus(langs, collections, ["benign"] * 1000)

    thresholds = thresholds_by_language(scores, corpus)

    assert 0.29 < thresholds["en"] == thresholds["*"] == thresholds["fr"] < 0.3
    assert thresholds["ar"] > 0.98


def test_each_protected_context_is_held_to_one_percent_on_its_own() -> None:
    """News scores higher than everyday posts: an overall 1% would flag 5% of news."""
    labels = ["benign"] * 2000 + ["news"] * 200
    scores = np.concatenate([np.linspace(0, 0.1, 2000), np.linspace(0.05, 0.5, 200)])
    corpus = _corpus(np.array(["en"] * 2200), np.array(["a"] * 2000 + ["b"] * 200), labels)

    threshold = thresholds_by_language(scores, corpus)["en"]

    news = scores[2000:]
    assert np.mean(news >= threshold) <= 0.01
    assert np.mean(scores[:2000] >= threshold) == 0


def test_the_route_takes_the_encoders_languages_that_have_too_little_judged_tvec() -> None:
    langs = np.array(["en"] * 40 + ["fr"] * 3 + ["so"] * 40)
    corpus = _corpus(langs, np.array(["c"] * 83), ["tvec"] * 83)

    languages = route_languages(corpus)

    assert "fr" in languages and "ru" in languages
    assert "en" not in languages, "40 judged TVEC texts teach the fast tier the language"
    assert "so" not in languages, "the encoder does not read Somali: the route would judge noise"


def test_route_lines_never_fall_below_the_reference_languages() -> None:
    corpus = _corpus(np.array(["en"] * 300 + ["fr"] * 300), np.array(["a"] * 300 + ["b"] * 300), ["benign"] * 600)
    p_deep = np.concatenate([np.linspace(0, 0.5, 300), np.linspace(0, 0.05, 300)])

    lines = route_thresholds(p_deep, corpus, frozenset({"fr", "de"}))

    assert set(lines) == {"*", "fr"}
    assert lines["fr"] == lines["*"] > 0.49


def test_the_route_is_drawn_when_the_cascade_leaves_the_deep_tier_out() -> None:
    """A share of 0 is chosen where the deep tier adds nothing dev can measure; its route languages are not."""
    langs = np.array(["en"] * 300 + ["fr"] * 300)
    corpus = _corpus(langs, np.array(["a"] * 300 + ["b"] * 300), ["benign"] * 600)
    deep = np.linspace(0, 0.6, 600)
    predictions = Predictions(fast=np.linspace(0, 0.3, 600), deep=deep, route=deep)  # one deep head

    thresholds, route = draw_lines(predictions, corpus, deep_from=0.1, deep_weight=0.0, languages=frozenset({"fr"}))

    assert route is not None and route.languages == {"fr"}
    assert route.threshold_for("fr") > 0.59, "drawn on the deep tier's own score, not the cascade's"
    assert thresholds["en"] < 0.16, "the cascade's line is the fast tier's alone, drawn on the untouched language"


def test_the_packaged_model_is_named_by_its_weights_and_thresholds() -> None:
    model = TextModel.load()
    lines = (model.fast, model.deep, model.deep_from, model.thresholds, model.deep_weight, model.route)
    how_read = {"faith_neutral": model.faith_neutral, "route_deep": model.route_deep}

    named = model_version(*lines, **how_read)

    assert model.version.rsplit("-", 1)[1] == named.rsplit("-", 1)[1]
    moved = dict(model.thresholds) | {"*": model.thresholds["*"] + 0.01}
    assert (
        model_version(model.fast, model.deep, model.deep_from, moved, model.deep_weight, model.route, **how_read)
        != named
    )
    assert model_version(*lines, **(how_read | {"faith_neutral": not model.faith_neutral})) != named
    assert model.deep is not None
    other_route_head = model.deep if model.route_deep is None else None
    assert model_version(*lines, **(how_read | {"route_deep": other_route_head})) != named


def test_a_language_without_its_own_line_is_judged_at_its_scripts_line() -> None:
    """Urdu and Persian share letters and vocabulary with Arabic: the fast tier scores their texts by
    that likeness, which Arabic's own negatives showed runs high; a Latin-script language it was
    never taught keeps the reference line."""
    langs = np.array(["en"] * 400 + ["ar"] * 300)
    scores = np.concatenate([np.linspace(0, 0.3, 400), np.linspace(0.5, 0.99, 300)])
    corpus = _corpus(langs, np.array(["a"] * 200 + ["b"] * 200 + ["c"] * 300), ["benign"] * 700)

    thresholds = thresholds_by_language(scores, corpus)

    assert thresholds["*Arab"] == thresholds["ar"] > 0.98
    assert line_for("ur", thresholds, None) == line_for("fa", thresholds, None) == thresholds["ar"]
    assert line_key("ur", thresholds, None) == "*Arab"
    assert line_for("id", thresholds, None) == line_for("so", thresholds, None) == thresholds["*"]
    assert line_key(None, thresholds, None) == "*"


def test_a_script_no_language_drew_a_line_for_falls_back_to_the_reference() -> None:
    thresholds = {"*": 0.2, "en": 0.2, "ar": 0.9, "*Arab": 0.9}

    assert line_key("uk", thresholds, None) == "*", "no Cyrillic-script language has a line here"
    assert line_for("he", thresholds, None) == 0.2
    route = DeepRoute(frozenset({"ru"}), {"*": 0.6})
    assert line_key("ru", thresholds, route) == "route:*" and line_for("ru", thresholds, route) == 0.6


def test_the_packaged_model_judges_urdu_and_persian_at_arabics_line() -> None:
    model = TextModel.load()

    assert model.threshold_for("ur") == model.threshold_for("fa") == model.threshold_for("ar")
    assert model.line_of("ur") == "*Arab"


def test_arabic_supporters_posts_labelled_by_topic_do_not_draw_arabic_s_own_line() -> None:
    """Ten high-scoring Arabic rows from `fifthtribe-annotated` (supporters' posts labelled benign by topic) would
    hold Arabic's line above 0.9; ordinary Arabic draws it, and English keeps such rows of its own."""
    langs = np.array(["en"] * 400 + ["en"] * 10 + ["ar"] * 300 + ["ar"] * 10)
    sources = np.array(
        ["news"] * 200
        + ["faith"] * 200
        + ["fifthtribe-annotated"] * 10
        + ["tweets"] * 300
        + ["fifthtribe-annotated"] * 10
    )
    scores = np.concatenate(
        [np.linspace(0, 0.3, 400), np.full(10, 0.35), np.linspace(0.3, 0.7, 300), np.full(10, 0.95)]
    )
    corpus = _corpus(langs, sources, ["benign"] * 720)

    thresholds = thresholds_by_language(scores, corpus, own_line_without=NOT_DRAWING_OWN_LINE)

    assert thresholds_by_language(scores, corpus)["ar"] > 0.95  # every person's label, as the deep share is chosen
    assert thresholds["en"] > 0.35  # 10 of 410 English negatives at 0.35: over 1%, so they set English's line
    assert 0.69 < thresholds["ar"] < 0.7  # the 1% line on ordinary Arabic, not the supporters' posts' 0.95
    assert thresholds["*Arab"] == thresholds["ar"]
