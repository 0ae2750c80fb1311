"""The figures recorded in model.json: recall and false positives per label, source and language,
for each tier, the cascade and the model as shipped; and the deep tier's share, chosen by them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bastion.text.model import LABELS, DeepRoute, cascade
from bastion.training.corpus import TVEC, Corpus
from bastion.training.thresholds import draw_lines, flagged, shipped_scores, thresholds_by_language
from bastion.training.tiers import Predictions

DEEP_WEIGHTS = (0.0, 0.25, 0.5, 0.75)  # the deep tier's share of the combined score, tried out of fold
DEEP_TIER_MUST_ADD = 0.005  # recall the deep tier must add to be kept (it costs ~2 ms a text)


def metrics(
    hit: np.ndarray, corpus: Corpus, thresholds: dict[str, float], route: DeepRoute | None = None
) -> dict[str, object]:
    positive, negative = corpus.judged_tvec, corpus.negatives

    def rate(mask: np.ndarray) -> float | None:
        return round(float(hit[mask].mean()), 4) if mask.any() else None

    lines: dict[str, object] = {"thresholds": {lang: round(t, 6) for lang, t in thresholds.items()}}
    if route is not None:
        lines["deep_route_thresholds"] = {lang: round(t, 6) for lang, t in route.thresholds.items()}
    return lines | {
        "recall_judged_tvec": rate(positive),
        "recall_account_tvec": rate((corpus.labels == TVEC) & ~corpus.strong),
        "fpr_all_non_tvec": rate(negative),
        "fpr_by_label": {LABELS[i]: rate(negative & (corpus.labels == i)) for i in range(1, len(LABELS))},
        "recall_by_source": {s: rate(positive & (corpus.sources == s)) for s in sorted(set(corpus.sources[positive]))},
        "fpr_by_source": {s: rate(negative & (corpus.sources == s)) for s in sorted(set(corpus.sources[negative]))},
        "by_lang": {
            lang: {
                "n": int((corpus.langs == lang).sum()),
                "recall": rate(positive & (corpus.langs == lang)),
                "fpr": rate(negative & (corpus.langs == lang)),
            }
            for lang in sorted(set(corpus.langs))
            if (corpus.langs == lang).sum() >= 30
        },
    }


def evaluate_tiers(
    predictions: Predictions, corpus: Corpus, deep_from: float, deep_weight: float, languages: frozenset[str]
) -> dict[str, Any]:
    """Each tier alone, the cascade everywhere, and the model as shipped (the deep tier alone in its
    route languages), each with thresholds drawn on these very predictions (1% false positives by
    construction): does the deep tier help, how far apart do the tiers rank TVEC?"""
    combined = cascade(predictions.fast, predictions.deep, deep_from, deep_weight)
    report: dict[str, Any] = {}
    for name, p_tvec in (("fast", predictions.fast), ("deep", predictions.deep), ("cascade", combined)):
        thresholds = thresholds_by_language(p_tvec, corpus)
        report[name] = metrics(flagged(p_tvec, corpus, thresholds), corpus, thresholds)
    thresholds, route = draw_lines(predictions, corpus, deep_from, deep_weight, languages)
    shipped = shipped_scores(predictions, corpus, deep_from, deep_weight, route)
    report["shipped"] = metrics(flagged(shipped, corpus, thresholds, route), corpus, thresholds, route)
    handed_on = predictions.fast >= deep_from if deep_weight > 0 else np.zeros(len(predictions.fast), dtype=bool)
    report["deep_share"] = round(float(handed_on.mean()), 4)
    report["deep_weight"] = deep_weight
    return report


def choose_deep_weight(predictions: Predictions, corpus: Corpus, deep_from: float) -> tuple[float, dict[str, float]]:
    """The deep tier's share that catches the most judged TVEC at 1% false positives per language,
    out of fold; the smallest share within `DEEP_TIER_MUST_ADD` of the best wins, and 0 takes the
    tier out of the cascade: it joins it only where it helps. Its route languages keep it whatever
    its share (`draw_lines`). Returns the share and the recall of every share tried."""
    positive = corpus.judged_tvec
    recall = {}
    for weight in DEEP_WEIGHTS:
        p_tvec = cascade(predictions.fast, predictions.deep, deep_from, weight)
        recall[weight] = float(flagged(p_tvec, corpus, thresholds_by_language(p_tvec, corpus))[positive].mean())
    best = max(recall.values())
    chosen = min(weight for weight in DEEP_WEIGHTS if recall[weight] >= best - DEEP_TIER_MUST_ADD)
    return chosen, {str(weight): round(value, 4) for weight, value in recall.items()}
