"""The deep tier learns without the encoder's language directions: the parallel sentences, the
subspace found from them, and the head that carries no weight along it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bastion.text.embedding import ENCODER_LANGUAGES, embed
from bastion.text.model import LinearHead, TextModel
from bastion.training.labelled import LabelledFileError
from bastion.training.language_neutral import (
    DIRECTIONS,
    LanguageSubspace,
    ParallelPair,
    language_subspace,
    parallel_pairs,
)

MIN_PAIRS = 150  # per language: a few directions each, with room to spare


def _subspace(directions: int = 4, dimensions: int = 16, seed: int = 3) -> LanguageSubspace:
    basis, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dimensions, directions)))
    return LanguageSubspace(basis.T.astype(np.float32), pairs=directions, languages=("fr",))


def test_every_encoder_language_but_english_has_its_parallel_sentences() -> None:
    by_lang = Counter(pair.lang for pair in parallel_pairs())
    assert set(by_lang) == ENCODER_LANGUAGES - {"en"}
    assert min(by_lang.values()) >= MIN_PAIRS, by_lang


def test_no_pair_repeats_itself_or_leaves_a_side_empty() -> None:
    pairs = parallel_pairs()
    assert all(pair.english.strip() and pair.translation.strip() for pair in pairs)
    assert all(pair.english != pair.translation for pair in pairs)
    assert len({(pair.lang, pair.translation) for pair in pairs}) == len(pairs)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('- en: "Good morning"\n  es: "Buenos días"\n', r"fr\.yaml: entry 1 has the keys en and fr"),
        ('- en: "Good morning\n  fr: [unclosed\n', r"fr\.yaml: not YAML"),
        ('en: "Good morning"\nfr: "Bonjour"\n', r"fr\.yaml: a list of entries"),
    ],
)
def test_a_malformed_file_is_refused_by_name(tmp_path: Path, content: str, said: str) -> None:
    (tmp_path / "fr.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(LabelledFileError, match=said):
        parallel_pairs(tmp_path)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float32, (5, 16), elements=st.floats(-10, 10, width=32)))
def test_what_is_left_has_no_component_along_the_directions_and_stays_put(vectors: np.ndarray) -> None:
    subspace = _subspace()
    left = subspace.without(vectors)
    assert np.abs(left @ subspace.basis.T).max() <= 1e-4 * (1 + np.abs(vectors).max())
    assert np.allclose(subspace.without(left), left, atol=1e-4 * (1 + np.abs(vectors).max()))


def test_a_head_without_language_scores_raw_vectors_as_the_head_scores_them_without_it() -> None:
    rng = np.random.default_rng(5)
    subspace = _subspace()
    head = LinearHead(rng.normal(size=(6, 16)).astype(np.float32), rng.normal(size=6).astype(np.float32))
    vectors = rng.normal(size=(20, 16)).astype(np.float32)
    language = subspace.basis.T @ rng.normal(size=(4, 20)).astype(np.float32)  # a shift along the directions alone
    neutral = subspace.without_language(head)
    assert np.allclose(neutral.probabilities(vectors), head.probabilities(subspace.without(vectors)), atol=1e-5)
    assert np.allclose(neutral.probabilities(vectors + language.T), neutral.probabilities(vectors), atol=1e-5)


def test_the_directions_are_where_translations_differ() -> None:
    """Two fake languages that are English moved along one direction each: those are the directions found."""
    rng = np.random.default_rng(8)
    meaning = {f"text {i}": rng.normal(size=8) for i in range(12)}
    moved = {"fr": np.eye(8)[2] * 3.0, "es": np.eye(8)[5] * 2.0}

    def embedder(texts: list[str]) -> np.ndarray:
        return np.array([meaning[t.split("|")[0]] + moved.get(t.split("|")[-1], 0.0) for t in texts])

    pairs = [ParallelPair(text, f"{text}|{lang}", lang) for text in meaning for lang in moved]
    found = language_subspace(pairs, embedder, directions=2)
    assert found.languages == ("es", "fr")
    assert np.allclose(np.sort(np.abs(found.basis).max(axis=1)), [1.0, 1.0], atol=1e-6)
    assert set(np.abs(found.basis).argmax(axis=1)) == {2, 5}


def test_the_route_head_has_no_weight_along_the_language_directions_and_the_cascade_head_keeps_them(
    fictional_model: TextModel,
) -> None:
    assert fictional_model.metrics["route_without_language"]["directions"] == DIRECTIONS
    assert fictional_model.deep is not None and fictional_model.route_deep is not None
    found = language_subspace(parallel_pairs(), embed, DIRECTIONS)
    route, cascade = fictional_model.route_deep.coef, fictional_model.deep.coef
    assert np.abs(route @ found.basis.T).max() <= 1e-5 * np.abs(route).max()
    assert np.abs(cascade @ found.basis.T).max() > 0.01 * np.abs(cascade).max()
