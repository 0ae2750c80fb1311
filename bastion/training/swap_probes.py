"""Swap probes: the finished model on sentences that differ only in the faith, or the armed group,
they speak of.

Training keeps faiths' words and groups' names out of the score with swapped
copies (`bastion.text.faith_swaps`); these probes, written for Bastion and never
trained on, check that it worked: none of them is TVEC, and within a group
of sentences the score should barely move.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bastion.text.faith_swaps import FAITH_TERMS
from bastion.text.model import TextModel, prepare

FAITH_PROBES = FAITH_TERMS.with_name("faith-probes.yaml")
GROUP_PROBES = FAITH_TERMS.with_name("group-probes.yaml")


@dataclass(frozen=True)
class SwapProbe:
    lang: str
    texts: list[str]  # one sentence, once per faith or group
    scores: list[float]  # P(TVEC) of each
    flagged: int  # how many are judged TVEC

    @property
    def gap(self) -> float:
        return max(self.scores) - min(self.scores)


def swap_probes(model: TextModel, path: Path) -> list[SwapProbe]:
    """The model on sentences that differ only in the faith or group they speak of (none of them TVEC)."""
    probes = []
    for lang, groups in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        for texts in groups:
            scores = [score.p_tvec for score in model.score([prepare(text) for text in texts], [lang] * len(texts))]
            flagged = sum(score >= model.threshold_for(lang) for score in scores)
            probes.append(SwapProbe(lang, texts, scores, flagged))
    return probes


def swap_probe_summary(model: TextModel, path: Path) -> dict[str, float | int]:
    probes = swap_probes(model, path)
    return {
        "groups": len(probes),
        "max_gap": round(max(probe.gap for probe in probes), 4),
        "flagged": sum(probe.flagged for probe in probes),
    }
