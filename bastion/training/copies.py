"""Rows made for training only: altered copies of corpus rows, and sentences written for Bastion.

Copies of a person's TVEC spelt out letter by letter teach the fast tier what
evaders write; copies of every text with another faith's words of worship in
place of its own teach the fast tier that faith is never evidence (the deep
tier reads every text faith-neutral: `bastion.text.faith_swaps`). Each copy
joins a model only when the row it was made from does, so a held-out text
never leaks in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bastion.text.embedding import embed
from bastion.text.faith_swaps import faith_neutral, faith_terms
from bastion.text.model import LABELS, features, prepare
from bastion.training.corpus import Corpus
from bastion.training.written import written_examples


@dataclass(frozen=True)
class Copies:
    """Altered copies of corpus rows, for training only, each under its row's own label."""

    rows: np.ndarray  # the corpus row each copy was made from
    X: sparse.csr_matrix  # their features, one row per copy
    weight: float

    def joining(
        self, in_training: np.ndarray, labels: np.ndarray, row_weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which copies join a model trained on `in_training` rows, with their labels and weights:
        copies of training rows only, so a held-out text never leaks in."""
        kept = in_training[self.rows]
        chosen = self.rows[kept]
        return kept, labels[chosen], self.weight * row_weights[chosen]


@dataclass(frozen=True)
class WrittenRows:
    """Sentences written for Bastion (`bastion.training.written`): no corpus row's copy, so every model
    trained learns from all of them, and no figure is measured on them."""

    labels: np.ndarray
    X: sparse.csr_matrix
    weight: float
    E: np.ndarray | None = None

    def joining(
        self, in_training: np.ndarray, labels: np.ndarray, row_weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.ones(len(self.labels), dtype=bool), self.labels, np.full(len(self.labels), self.weight)


def spaced_copies(corpus: Corpus) -> Copies:
    """Judged TVEC texts written letter by letter, as evaders write them.

    The normaliser joins "w o r d" back to "word", but a sentence spaced word by
    word comes back as one long run ("w o r d s o m e" → "wordsome"): no
    normaliser can tell where the words were. Training on such copies teaches
    the fast tier what those runs look like.
    """
    rows = np.flatnonzero(corpus.judged_tvec)  # a person's: spelt from the original, words of worship and all
    return Copies(rows, features([prepare(spaced_out(corpus.originals[i])) for i in rows]), weight=0.5)


def spaced_out(text: str) -> str:
    """Every word of four letters or more spelt out with spaces between its letters."""
    return " ".join(" ".join(word) if len(word) >= 4 and word.isalpha() else word for word in text.split(" "))


def faith_swapped_copies(corpus: Corpus) -> Copies:
    """Every text that uses one faith's words of worship, with each other faith's words in their place,
    for the fast tier, each copy at full weight. The deep tier needs none: it reads a text and its copies
    as one vector (`faith_neutral`)."""
    terms = faith_terms()
    rows, texts = [], []
    for row, (text, lang) in enumerate(zip(corpus.texts, corpus.langs, strict=True)):
        for copy in terms.swapped(text, str(lang)):
            rows.append(row)
            texts.append(copy)
    return Copies(np.array(rows, dtype=np.int64), features(texts), weight=1.0)


TrainingExtra = Copies | WrittenRows


def written_rows(embedder: Callable[[list[str]], np.ndarray] | None = embed) -> WrittenRows:
    """Bastion's written sentences and their faith-swapped copies, each under its sentence's label."""
    terms = faith_terms()
    texts, langs, labels = [], [], []
    for example in written_examples():
        text = prepare(example.text)
        for variant in (text, *terms.swapped(text, example.lang)):
            texts.append(variant)
            langs.append(example.lang)
            labels.append(LABELS.index(example.label))
    weight = 1.0  # as much as a judged row: 0.5 gave less recall, 2 flagged a faith probe (model card)
    E = faith_neutral(texts, langs, embedder) if embedder else None
    return WrittenRows(np.array(labels), features(texts), weight, E)


def training_copies(
    corpus: Corpus, embedder: Callable[[list[str]], np.ndarray] | None = embed, written: bool = False
) -> list[TrainingExtra]:
    copies: list[TrainingExtra] = [spaced_copies(corpus), faith_swapped_copies(corpus)]
    return [*copies, written_rows(embedder)] if written else copies
