"""The same text with another faith's words of worship: training copies that keep faith out of the score.

`bastion/data/text/faith-terms.yaml` lists, per language, each faith's words
of worship, aligned by position (Allah / God / Hashem, mosque / church /
synagogue, ...). `FaithTerms.swapped` rewrites a normalised text with every
other faith's words in place of the ones it uses; `bastion train` adds those
copies under the original's label, so no faith's words can carry a text
towards TVEC. `faith_probes` checks the finished model on sentences that
differ only in the faith they speak of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bastion.text.model import TextModel, prepare
from bastion.text.normalise import normalise_text

FAITH_TERMS = Path(__file__).resolve().parents[1] / "data" / "text" / "faith-terms.yaml"


@dataclass(frozen=True)
class _Swap:
    pattern: re.Pattern[str]  # one faith's words, whole words, longest first
    replacement: dict[str, str]  # each of those words → the other faith's word at its position

    def replace(self, match: re.Match[str]) -> str:
        return self.replacement[match.group(0)]


@dataclass(frozen=True)
class FaithTerms:
    swaps: dict[str, list[_Swap]]  # language → every ordered pair of its faiths

    @classmethod
    def load(cls, path: Path = FAITH_TERMS) -> FaithTerms:
        spec: dict[str, dict[str, list[str]]] = yaml.safe_load(path.read_text(encoding="utf-8"))
        swaps = {}
        for lang, faiths in spec.items():
            words = {faith: [normalise_text(term) for term in terms] for faith, terms in faiths.items()}
            swaps[lang] = [
                _swap(words[source], words[target]) for source in words for target in words if source != target
            ]
        return cls(swaps)

    def swapped(self, prepared: str, lang: str) -> list[str]:
        """The text once for every other faith of its language whose words could stand in (none if it uses none)."""
        copies = []
        for swap in self.swaps.get(lang, []):
            copy = swap.pattern.sub(swap.replace, prepared)
            if copy != prepared:
                copies.append(copy)
        return copies


def _swap(source: list[str], target: list[str]) -> _Swap:
    if len(source) != len(target):
        raise ValueError(f"faith terms must line up: {source} against {target}")
    replacement: dict[str, str] = {}
    for word, other in zip(source, target, strict=True):
        replacement.setdefault(word, other)  # a word listed twice keeps its first counterpart
    alternatives = "|".join(re.escape(word) for word in sorted(replacement, key=len, reverse=True))
    return _Swap(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), replacement)


FAITH_PROBES = FAITH_TERMS.with_name("faith-probes.yaml")


@dataclass(frozen=True)
class FaithProbe:
    lang: str
    texts: list[str]  # one sentence, once per faith
    scores: list[float]  # P(TVEC) of each
    flagged: int  # how many are judged TVEC

    @property
    def gap(self) -> float:
        return max(self.scores) - min(self.scores)


def faith_probes(model: TextModel, path: Path = FAITH_PROBES) -> list[FaithProbe]:
    """The model on sentences that differ only in the faith they speak of (none of them TVEC)."""
    probes = []
    for lang, groups in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        for texts in groups:
            scores = [score.p_tvec for score in model.score([prepare(text) for text in texts], [lang] * len(texts))]
            flagged = sum(score >= model.threshold_for(lang) for score in scores)
            probes.append(FaithProbe(lang, texts, scores, flagged))
    return probes


def faith_probe_summary(model: TextModel) -> dict[str, float | int]:
    probes = faith_probes(model)
    return {
        "groups": len(probes),
        "max_gap": round(max(probe.gap for probe in probes), 4),
        "flagged": sum(probe.flagged for probe in probes),
    }
