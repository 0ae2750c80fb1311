"""The same text with other words in place of ones that must never be evidence of TVEC.

`faith-terms.yaml` lists, per language, each faith's words of worship,
aligned by position (Allah / God / Hashem, mosque / church / synagogue).
`SwapTerms.swapped` rewrites a normalised text with every other faith's words
in place of the ones it uses; `bastion train` adds those copies under the
original's label (counterfactual data augmentation), so a text's class can
come only from what it says, not from which faith it speaks of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bastion.text.normalise import normalise_text

FAITH_TERMS = Path(__file__).resolve().parents[1] / "data" / "text" / "faith-terms.yaml"


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
