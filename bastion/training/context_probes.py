"""The model on Bastion's own sentences, never trained on, in many languages.

Context probes (`bastion/data/text/context-probes.yaml`) speak of terrorism
without being TVEC: news, counter-speech and research, many of them in the
extremists' own vocabulary the way people argue back. TVEC probes
(`bastion/data/text/tvec-probes.yaml`) glorify, recruit for and threaten on
behalf of an invented group, the same three in every language, so the model
shows what it carries into languages dev has no judged TVEC in. `bastion
train` records both summaries in model.json, so a model that starts flagging
the people who report on or argue against terrorism, or stops catching TVEC
in a language it claims, shows it in its own figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bastion.text.model import TextModel, prepare

CONTEXT_PROBES = Path(__file__).resolve().parents[1] / "data" / "text" / "context-probes.yaml"
TVEC_PROBES = CONTEXT_PROBES.with_name("tvec-probes.yaml")
THREAT_PROBES = CONTEXT_PROBES.with_name("threat-probes.yaml")  # plain threats and calls to kill, no group named


@dataclass(frozen=True)
class ContextProbe:
    lang: str
    context: str
    text: str
    score: float  # P(TVEC)
    threshold: float  # the language's

    @property
    def flagged(self) -> bool:
        return self.score >= self.threshold


def context_probes(model: TextModel, path: Path = CONTEXT_PROBES) -> list[ContextProbe]:
    probes: list[ContextProbe] = []
    for lang, contexts in yaml.safe_load(path.read_text(encoding="utf-8")).items():
        for context, texts in contexts.items():
            scores = model.score([prepare(text) for text in texts], [lang] * len(texts))
            threshold = model.threshold_for(lang)
            probes.extend(
                ContextProbe(lang, context, text, score.p_tvec, threshold)
                for text, score in zip(texts, scores, strict=True)
            )
    return probes


def context_probe_summary(model: TextModel) -> dict[str, dict[str, float | int]]:
    """Per context: how many probes, how many judged TVEC, and the highest score as a share of its
    language's threshold (1.0 or more is flagged; near it, a retrain could tip it over)."""
    probes = context_probes(model)
    return {
        context: {
            "texts": len(mine),
            "flagged": sum(probe.flagged for probe in mine),
            "closest": round(max(probe.score / probe.threshold for probe in mine), 3),
        }
        for context in sorted({probe.context for probe in probes})
        if (mine := [probe for probe in probes if probe.context == context])
    }


def tvec_probe_summary(model: TextModel, path: Path = TVEC_PROBES) -> dict[str, dict[str, object]]:
    """Per language: how many TVEC probes (or threat probes), how many caught, and which tier judged them."""
    probes = context_probes(model, path)
    return {
        lang: {
            "texts": len(mine),
            "caught": sum(probe.flagged for probe in mine),
            "lowest": round(min(probe.score / probe.threshold for probe in mine), 3),
            "deep_only": model.deep_only(lang),
        }
        for lang in sorted({probe.lang for probe in probes})
        if (mine := [probe for probe in probes if probe.lang == lang])
    }
