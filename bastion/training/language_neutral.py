"""The directions in which the deep tier's encoder tells languages apart, kept out of the route's head.

The encoder puts a sentence and its translation near each other, not on
each other. A head trained mostly on English learns directions that separate
English news from English TVEC, and some of them are where French or
Spanish text lies whatever it says: the packaged model's deep tier flagged
41% of French and Spanish talk about ISIS and 7% of the English (docs/
model-experiments.md). Where the deep tier judges a language alone (the route:
languages with no judged TVEC to learn from), a head that judges a text by
its language judges who wrote it.

`parallel/<lang>.yaml` holds English sentences and their translations,
written for Bastion. The differences between a translation's vector and its
English original's are the encoder's language, not the text's meaning; their
top principal directions span what the route's head never sees. A head
trained on vectors with no component there has no weight there either, and
`without_language` makes that exact, so it reads raw vectors at run time, at
no cost. The cascade's head keeps the directions: in English and Arabic, which
have judged TVEC and hard negatives of their own, it needs them
(`tiers.fit_deep_heads`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from bastion.text.faith_swaps import faith_neutral
from bastion.text.model import LinearHead, prepare
from bastion.training.copies import TrainingExtra, WrittenRows
from bastion.training.labelled import LabelledFileError

PARALLEL = Path(__file__).resolve().parents[1] / "data" / "text" / "parallel"
DIRECTIONS = 128  # of the encoder's 512: the measured trade is in docs/model-experiments.md


@dataclass(frozen=True)
class ParallelPair:
    english: str
    translation: str
    lang: str


def parallel_pairs(directory: Path = PARALLEL) -> list[ParallelPair]:
    """Every pair of every `<lang>.yaml` in `directory`: a list of entries with keys `en` and `<lang>`."""
    pairs = []
    for path in sorted(directory.glob("*.yaml")):
        lang = path.stem
        try:
            entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as error:
            raise LabelledFileError(f"{path}: not YAML ({error})") from None
        if not isinstance(entries, list):
            raise LabelledFileError(f"{path}: a list of entries, each with the keys en and {lang}")
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict) or set(entry) != {"en", lang}:
                raise LabelledFileError(f"{path}: entry {number} has the keys en and {lang}, and no other")
            pairs.append(ParallelPair(str(entry["en"]), str(entry[lang]), lang))
    return pairs


@dataclass(frozen=True)
class LanguageSubspace:
    """Orthonormal directions (rows of `basis`) in which translations of one text differ."""

    basis: np.ndarray
    pairs: int
    languages: tuple[str, ...]

    def without(self, vectors: np.ndarray) -> np.ndarray:
        """The vectors with no component along any of the directions."""
        return vectors - (vectors @ self.basis.T) @ self.basis

    def without_language(self, head: LinearHead) -> LinearHead:
        """The head with no weight along the directions: on raw vectors it scores what it scored on
        projected ones."""
        return LinearHead(self.without(head.coef), head.intercept, head.trained_one_vs_rest)

    def without_in(self, copies: Sequence[TrainingExtra]) -> list[TrainingExtra]:
        """The training copies with the written sentences' vectors taken out of the directions too."""
        return [
            replace(extra, E=self.without(extra.E)) if isinstance(extra, WrittenRows) and extra.E is not None else extra
            for extra in copies
        ]

    def note(self) -> dict[str, object]:
        return {"directions": len(self.basis), "pairs": self.pairs, "languages": list(self.languages)}


def language_subspace(
    pairs: Sequence[ParallelPair], embedder: Callable[[Sequence[str]], np.ndarray], directions: int = DIRECTIONS
) -> LanguageSubspace:
    """The top `directions` principal directions of (translation − English), each text read as the deep
    tier reads it (prepared, faith-neutral). Uncentred: the mean offset of a language is a direction too.
    Found once per process for the same pairs, embedder and count: embedding the pairs takes seconds."""
    if not pairs:
        raise LabelledFileError("no parallel sentences to find the encoder's language directions from")
    return _found(tuple(pairs), embedder, directions)


@lru_cache(maxsize=4)
def _found(
    pairs: tuple[ParallelPair, ...], embedder: Callable[[Sequence[str]], np.ndarray], directions: int
) -> LanguageSubspace:
    english = faith_neutral([prepare(p.english) for p in pairs], ["en"] * len(pairs), embedder)
    translated = faith_neutral([prepare(p.translation) for p in pairs], [p.lang for p in pairs], embedder)
    _, _, directions_by_weight = np.linalg.svd(translated - english, full_matrices=False)
    basis = directions_by_weight[: min(directions, len(pairs))].astype(np.float32)
    return LanguageSubspace(basis, len(pairs), tuple(sorted({p.lang for p in pairs})))
