"""No faith's words of worship are evidence of TVEC: the training swaps, and the packaged model held to it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.text.faith_swaps import FAITH_TERMS, ORBIT_LIMIT, SwapTerms, faith_neutral
from bastion.text.model import LABELS, TextModel, prepare
from bastion.training.copies import faith_swapped_copies
from bastion.training.corpus import Corpus
from bastion.training.swap_probes import FAITH_PROBES, swap_probes

TERMS = SwapTerms.load(FAITH_TERMS)


def test_a_text_is_copied_once_for_every_other_faith_of_its_language() -> None:
    copies = TERMS.swapped(prepare("May Allah bless the imam of our mosque, inshallah."), "en")

    assert copies == [
        "may god bless the priest of our church, god willing.",
        "may hashem bless the rabbi of our synagogue, god willing.",
    ]


def test_only_whole_words_are_swapped_and_other_languages_keep_their_own_lists() -> None:
    assert TERMS.swapped("the godfather was filmed near the churchyard", "en") == []
    assert TERMS.swapped("que dieu vous garde", "fr") == ["que allah vous garde"]
    assert TERMS.swapped("que dieu vous garde", "xx") == []


def test_faith_lists_must_line_up(tmp_path: Path) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text("en:\n  a: [one, two]\n  b: [three]\n", encoding="utf-8")

    with pytest.raises(ValueError, match="line up"):
        SwapTerms.load(path)


@given(st.text(max_size=200), st.sampled_from(["en", "fr", "es", "de", "it", "ar", "und"]))
def test_swapping_never_raises_and_never_returns_the_text_itself(text: str, lang: str) -> None:
    prepared = prepare(text)

    assert prepared not in TERMS.swapped(prepared, lang)


def test_words_of_worship_can_be_taken_out_whatever_the_faith_or_spelling() -> None:
    assert (
        TERMS.without(prepare("Allahu akbar! #AllahuAkbar, the town fell. TaqabbalAllah"), "en") == "! the town fell."
    )
    assert TERMS.without(prepare("God willing the church choir sings tonight"), "en") == "the choir sings tonight"
    assert TERMS.without("الحمد لله على السلامة", "ar") == "الحمد على السلامة"
    assert TERMS.without("the godfather was filmed near the churchyard", "en") == (
        "the godfather was filmed near the churchyard"
    )


@given(st.text(max_size=200), st.sampled_from(["en", "fr", "es", "de", "it", "ar", "und"]))
def test_taking_worship_out_never_raises_and_leaves_nothing_to_swap(text: str, lang: str) -> None:
    without = TERMS.without(prepare(text), lang)

    assert TERMS.without(without, lang) == without
    assert TERMS.swapped(without, lang) == []


def test_copies_keep_the_row_they_were_made_from() -> None:
    texts = ["the imam spoke", "nothing here", "pray at the church"]
    corpus = Corpus(
        texts=texts,
        originals=texts,
        labels=np.array([LABELS.index("religious"), LABELS.index("benign"), LABELS.index("tvec")]),
        strong=np.ones(3, dtype=bool),
        measured=np.ones(3, dtype=bool),
        collections=np.array(["c"] * 3),
        sources=np.array(["s"] * 3),
        langs=np.array(["en"] * 3),
        ids=["1", "2", "3"],
    )

    copies = faith_swapped_copies(corpus)

    assert copies.rows.tolist() == [0, 0, 2, 2]
    assert copies.X.shape[0] == 4


def test_the_packaged_model_judges_no_faith_by_its_words() -> None:
    probes = swap_probes(TextModel.load(), FAITH_PROBES)

    assert [probe.texts[0] for probe in probes if probe.flagged] == []
    assert max(probe.gap for probe in probes) <= 0.05


def test_the_packaged_model_records_its_faith_probe_figures() -> None:
    recorded = TextModel.load().metrics["faith_probes"]

    assert json.loads(json.dumps(recorded))["flagged"] == 0


def test_a_text_and_its_swapped_copies_share_one_orbit_and_one_deep_vector() -> None:
    texts = ["que allah protège nos enfants", "que dieu protège nos enfants", "les enfants jouent"]
    seen: list[list[str]] = []

    def embedder(batch: list[str]) -> np.ndarray:
        seen.append(batch)
        return np.array([[len(text), text.count("a")] for text in batch], dtype=np.float32)

    vectors = faith_neutral(texts, ["fr", "fr", "fr"], embedder)

    assert TERMS.orbit(texts[0], "fr") == TERMS.orbit(texts[1], "fr") == sorted(texts[:2])
    assert np.array_equal(vectors[0], vectors[1])
    assert vectors[2].tolist() == [18.0, 1.0]  # a text with no words of worship is read as it is
    assert seen == [[*sorted(texts[:2]), texts[2]]]  # one batch, each distinct member once


@given(st.text(max_size=120), st.sampled_from(["en", "fr", "es", "de", "it", "ar", "und"]))
def test_an_orbit_holds_its_text_and_is_never_longer_than_its_limit(text: str, lang: str) -> None:
    prepared = prepare(text)
    orbit = TERMS.orbit(prepared, lang)

    assert prepared in orbit and len(orbit) <= ORBIT_LIMIT and orbit == sorted(set(orbit))


def test_a_model_that_reads_faith_neutral_scores_a_text_and_its_swap_alike_and_older_models_read_as_trained() -> None:
    packaged = TextModel.load()
    texts = [prepare(f"Que {name} protège les enfants du quartier.") for name in ("Allah", "Dieu")]
    own_vectors = replace(packaged, faith_neutral=False)  # how a model trained before 2026-12-07 reads

    as_trained = [score.p_deep for score in packaged.score(texts, ["fr", "fr"])]
    read_own = [score.p_deep for score in own_vectors.score(texts, ["fr", "fr"])]

    assert packaged.faith_neutral, "the packaged model learnt each text's faith-neutral vector"
    assert as_trained[0] == as_trained[1]
    assert read_own[0] != read_own[1]
