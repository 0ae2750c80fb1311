"""What a line costs: for each language with enough labelled rows, recall and false positives at the line training
drew and at stricter and looser ones, on out-of-fold scores and a person's labels.

A line drawn at 1% of the training data's negatives says nothing about talk the data does not hold: English's
line flags 6.6% of ordinary English talk about ISIS, and the line that flags 2% of it catches a seventh less of
dev's English TVEC (docs/model-card.md). Which point a platform runs at is its choice, made knowing the price;
this table, recorded in model.json, is what `bastion model lines` shows it before it moves a line.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from bastion.text.langid import identify_language
from bastion.text.model import LABELS, DeepRoute, TextModel, line_for
from bastion.text.normalise import normalise_text
from bastion.training.corpus import Corpus
from bastion.training.thresholds import MIN_NEGATIVES_FOR_THRESHOLD, threshold_for_fpr

# The false-positive rates on a language's own negatives at which the other lines are drawn.
FPR_STEPS = (0.03, 0.02, 0.01, 0.005, 0.0025, 0.001)
MIN_LABEL_ROWS = 100  # fewer negatives of one label in a language say nothing about its rate


def line_costs(
    p_tvec: np.ndarray, corpus: Corpus, thresholds: dict[str, float], route: DeepRoute | None
) -> dict[str, dict[str, Any]]:
    """Per language with enough negatives to tell: the rows it is measured on, and one entry per candidate line
    (ascending), the line it is judged at among them."""
    costs: dict[str, dict[str, Any]] = {}
    for lang in sorted(set(corpus.langs) - {"und"}):
        in_lang = corpus.langs == lang
        negative, positive = corpus.negatives & in_lang, corpus.judged_tvec & in_lang
        if negative.sum() < MIN_NEGATIVES_FOR_THRESHOLD:
            continue
        drawn = line_for(lang, thresholds, route)
        stricter_and_looser = {round(threshold_for_fpr(p_tvec, negative, rate), 4) for rate in FPR_STEPS}
        candidates = sorted({drawn} | (stricter_and_looser - {round(drawn, 4)}))
        costs[lang] = {
            "judged_tvec": int(positive.sum()),
            "negatives": _label_counts(corpus, negative),
            "lines": [_at(line, line == drawn, p_tvec, corpus, positive, negative) for line in candidates],
        }
    return costs


def costs_on(model: TextModel, corpus: Corpus) -> dict[str, dict[str, Any]]:
    """The model's line costs on labelled rows it never saw (a platform's exported decisions, a held-out set), at
    the lines it judges at now: each row in its own language, or the one identified when it names none, and read
    whole (serving reads a text over `text_window_chars` by its windows)."""
    langs = np.array(
        [
            identify_language(normalise_text(text)) if lang == "und" else lang
            for text, lang in zip(corpus.originals, corpus.langs, strict=True)
        ]
    )
    scores = np.array([score.p_tvec for score in model.score(corpus.texts, list(langs))])
    return line_costs(scores, dataclasses.replace(corpus, langs=langs), model.thresholds, model.route)


def _label_counts(corpus: Corpus, negative: np.ndarray) -> dict[str, int]:
    return {LABELS[i]: int((negative & (corpus.labels == i)).sum()) for i in range(1, len(LABELS))}


def _at(
    line: float, drawn: bool, p_tvec: np.ndarray, corpus: Corpus, positive: np.ndarray, negative: np.ndarray
) -> dict[str, Any]:
    hit = p_tvec >= line
    by_label = {}
    for i in range(1, len(LABELS)):
        rows = negative & (corpus.labels == i)
        if rows.sum() >= MIN_LABEL_ROWS:
            by_label[LABELS[i]] = round(float(hit[rows].mean()), 4)
    return {
        "line": round(line, 4),
        "drawn": drawn,
        "recall": round(float(hit[positive].mean()), 4) if positive.any() else None,
        "fpr": round(float(hit[negative].mean()), 4),
        "fpr_by_label": by_label,
    }
