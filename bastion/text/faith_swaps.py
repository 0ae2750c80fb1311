"""The same text with other words in place of ones that must never be evidence of TVEC.

`faith-terms.yaml` lists, per language, each faith's words of worship,
aligned by position (Allah / God / Hashem, mosque / church / synagogue).
`SwapTerms.swapped` rewrites a normalised text with every other faith's words
in place of the ones it uses; `bastion train` adds those copies under the
original's label (counterfactual data augmentation), so the fast tier's class
can come only from what a text says, not from which faith it speaks of.

The deep tier is faith-blind by construction instead: it reads a text's
sentence vector as the mean over the text's *orbit*, the text with each
faith's words in turn (`faith_neutral`). Two texts that differ only in which
listed faith's words they use share an orbit, so they get one vector and one
score. Learning that from swapped copies was not enough: a projection learnt
from them still left French "Allah" 0.07 above "Dieu" (model card).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from bastion.text.normalise import normalise_text

FAITH_TERMS = Path(__file__).resolve().parents[1] / "data" / "text" / "faith-terms.yaml"
ORBIT_LIMIT = 8  # texts embedded for one: a text mixing several faiths' words reaches many combinations


@dataclass(frozen=True)
class _Swap:
    pattern: re.Pattern[str]  # one entry's words, whole words, longest first
    replacement: dict[str, str]  # each of those words → the other entry's word at its position

    def replace(self, match: re.Match[str]) -> str:
        return self.replacement[match.group(0)]


# Words that name or praise God in Arabic however they are written, alone or run into a formula or
# hashtag ("allahuakbar", "taqabbalallah", "الحمد لله", "takbiiir"): the same in every faith that prays
# in Arabic.
_NAME_OF_GOD = re.compile(r"\S*(?:allah|لله|akbar|takb[ei]+r)\S*")


@dataclass(frozen=True)
class SwapTerms:
    swaps: dict[str, list[_Swap]]  # language → every ordered pair of its entries
    every_term: dict[str, re.Pattern[str]]  # language → all of its faiths' words, whole words

    @classmethod
    def load(cls, path: Path) -> SwapTerms:
        spec: dict[str, dict[str, list[str]]] = yaml.safe_load(path.read_text(encoding="utf-8"))
        swaps, every_term = {}, {}
        for lang, entries in spec.items():
            words = {entry: [normalise_text(term) for term in terms] for entry, terms in entries.items()}
            swaps[lang] = [
                _swap(words[source], words[target]) for source in words for target in words if source != target
            ]
            every_term[lang] = _whole_words({word for terms in words.values() for word in terms})
        return cls(swaps, every_term)

    def without(self, prepared: str, lang: str) -> str:
        """The text with every faith's words of worship taken out: what is left is what it says."""
        if lang in self.every_term:
            prepared = self.every_term[lang].sub(" ", prepared)
        return " ".join(_NAME_OF_GOD.sub(" ", prepared).split())

    def swapped(self, prepared: str, lang: str) -> list[str]:
        """The text once for every other entry of its language that could stand in (none if it uses none)."""
        copies = []
        for swap in self.swaps.get(lang, []):
            copy = swap.pattern.sub(swap.replace, prepared)
            if copy != prepared:
                copies.append(copy)
        return copies

    def orbit(self, prepared: str, lang: str) -> list[str]:
        """The text and every text reached from it by swapping one faith's words for another's, again and
        again, in one order: the same list whichever faith's words the text started with (at most
        `ORBIT_LIMIT` texts, found nearest first)."""
        members = [prepared]
        for member in members:  # grows as it goes: each new member is swapped in turn
            members.extend(copy for copy in self.swapped(member, lang) if copy not in members)
            if len(members) >= ORBIT_LIMIT:
                break
        return sorted(members[:ORBIT_LIMIT])


@cache
def faith_terms() -> SwapTerms:
    return SwapTerms.load(FAITH_TERMS)


def faith_neutral(
    prepared: Sequence[str], langs: Sequence[str | None], embedder: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    """Each text's sentence vector as the mean of its orbit's (`SwapTerms.orbit`): what the deep tier reads,
    in training and in serving, so that which faith's words of worship a text uses cannot move its score."""
    terms = faith_terms()
    orbits = [terms.orbit(text, lang or "und") for text, lang in zip(prepared, langs, strict=True)]
    # Each distinct member is embedded once: an encoder may round a row differently by its place in the
    # batch, and a text and its swap must read bit for bit alike, not merely close.
    members = list(dict.fromkeys(member for orbit in orbits for member in orbit))
    vectors = embedder(members)
    if not orbits:
        return vectors
    row_of = {member: row for row, member in enumerate(members)}
    rows = [row_of[member] for orbit in orbits for member in orbit]
    sizes = np.array([len(orbit) for orbit in orbits])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return np.add.reduceat(vectors[rows], starts, axis=0) / sizes[:, None].astype(vectors.dtype)


def _swap(source: list[str], target: list[str]) -> _Swap:
    if len(source) != len(target):
        raise ValueError(f"swapped terms must line up: {source} against {target}")
    replacement: dict[str, str] = {}
    for word, other in zip(source, target, strict=True):
        replacement.setdefault(word, other)  # a word listed twice keeps its first counterpart
    return _Swap(_whole_words(set(replacement)), replacement)


def _whole_words(words: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
