"""Figures of models that never saw a collection: how far the model travels beyond what it learnt.

Each collection (sources sharing accounts or annotators) is predicted by
models trained without it; each source too, where a collection has more than
one (a source that is its collection's only one is the same fold, reused).
The `extra/` pools have no person's labels: the one figure taken on them is
the share of the pool the shipped lines flag with the pool left out of
training, over every row and over the rows the offline readers called
something other than TVEC (`pool_flag_rates`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from bastion.text.model import LABELS, DeepRoute, line_for
from bastion.training.copies import TrainingExtra
from bastion.training.corpus import TVEC, Corpus
from bastion.training.figures import evaluate_tiers, metrics
from bastion.training.language_neutral import LanguageSubspace
from bastion.training.thresholds import flagged, served, shipped_scores
from bastion.training.tiers import Predictions, TierScores, out_of_fold

MIN_ROWS = 30  # fewer rows of a label in a collection say nothing about its rate


def held_out_elsewhere(
    X: sparse.csr_matrix,
    E: np.ndarray,
    corpus: Corpus,
    pseudo_threshold: float,
    progress: Callable[[str], None],
    copies: Sequence[TrainingExtra],
    outside: Mapping[str, tuple[sparse.csr_matrix, np.ndarray]],
    source_folds: bool = True,
    hold_out: Collection[str] | None = None,
    language: LanguageSubspace | None = None,
) -> Iterator[tuple[str, Predictions]]:
    """Leave-one-collection-out predictions (with `outside` texts scored by their collection's fold),
    then leave-one-source-out, fitting only the folds the collections did not already fit; with
    `hold_out`, only those collections' folds (`collections_held_out`)."""
    if hold_out:
        only = set(hold_out)
        yield (
            "collections_held_out",
            out_of_fold(X, E, corpus, corpus.collections, pseudo_threshold, progress, copies, outside, only, language),
        )
        return
    by_collection = out_of_fold(
        X, E, corpus, corpus.collections, pseudo_threshold, progress, copies, outside, language=language
    )
    yield "leave_one_collection_out", by_collection
    if not source_folds:
        return
    shared = [c for c in set(corpus.collections) if len(set(corpus.sources[corpus.collections == c])) > 1]
    split = np.isin(corpus.collections, shared)
    own = set(corpus.sources[split])
    by_source = out_of_fold(
        X, E, corpus, corpus.sources, pseudo_threshold, progress, copies, only=own, language=language
    )
    yield (
        "leave_one_source_out",
        Predictions(
            np.where(split, by_source.fast, by_collection.fast),
            np.where(split, by_source.deep, by_collection.deep),
            np.where(split, by_source.route, by_collection.route),
        ),
    )


@dataclass(frozen=True)
class Lines:
    """Where the shipped model draws its lines, drawn on the 5-fold scores."""

    deep_from: float
    deep_weight: float
    thresholds: dict[str, float]
    route: DeepRoute | None
    languages: frozenset[str]


def figures_elsewhere(
    elsewhere: Predictions, corpus: Corpus, lines: Lines, hold_out: Collection[str] | None = None
) -> tuple[dict[str, Any], np.ndarray]:
    """Figures with lines drawn on these predictions, and at the shipped lines (the held-out set's
    situation: lines drawn on dev, texts from collections never seen); with `hold_out`, per held-out
    collection only (other rows were never predicted). Returns them and every row's shipped score."""
    scores = shipped_scores(elsewhere, corpus, lines.deep_from, lines.deep_weight, lines.route)
    hit = flagged(scores, corpus, lines.thresholds, lines.route)
    by_collection = collection_figures(hit, corpus)
    if hold_out:
        return {
            "by_collection_at_shipped_thresholds": {c: f for c, f in by_collection.items() if c in hold_out}
        }, scores
    entry = evaluate_tiers(elsewhere, corpus, lines.deep_from, lines.deep_weight, lines.languages)
    entry["at_shipped_thresholds"] = metrics(hit, corpus, lines.thresholds, lines.route)
    entry["by_collection_at_shipped_thresholds"] = by_collection
    return entry, scores


def collection_figures(hit: np.ndarray, corpus: Corpus) -> dict[str, dict[str, Any]]:
    """Per collection: recall on a person's TVEC and false positives on each other label a person gave,
    where there are enough rows to tell."""
    figures: dict[str, dict[str, Any]] = {}
    for name in sorted(set(corpus.collections[corpus.measured])):
        mine = corpus.measured & (corpus.collections == name)
        positive, negative = mine & (corpus.labels == TVEC), mine & (corpus.labels != TVEC)
        figures[str(name)] = {
            "tvec": int(positive.sum()),
            "recall": _rate(hit, positive),
            "fpr": _rate(hit, negative),
            "fpr_by_label": {
                LABELS[i]: _rate(hit, negative & (corpus.labels == i))
                for i in range(1, len(LABELS))
                if (negative & (corpus.labels == i)).sum() >= MIN_ROWS
            },
        }
    return figures


def pool_flag_rates(
    pools: Mapping[str, Sequence[dict[str, Any]]],
    scored: Mapping[str, TierScores],
    deep_from: float,
    deep_weight: float,
    thresholds: dict[str, float],
    route: DeepRoute | None,
) -> dict[str, dict[str, Any]]:
    """Per pool scored by models that never saw it: the share flagged at the shipped lines, over all of
    it, by the offline readers' label (`unread`: no label, unclear, or a changed text) and, for a
    person-labelled collection taught by the readers, by its annotators' own label."""
    figures = {}
    for name, (fast, deep, route_deep) in scored.items():
        rows = pools[name]
        langs = [str(row["lang"]) for row in rows]
        alone = None if route is None else np.isin(langs, sorted(route.languages))
        score = served(fast, deep, route_deep, deep_from, deep_weight, alone)
        hit = score >= np.array([line_for(lang, thresholds, route) for lang in langs])
        readers = np.array([row["label"] or "unread" for row in rows])
        not_tvec = (readers != LABELS[TVEC]) & (readers != "unread")
        figures[name] = {
            "rows": len(rows),
            "flagged": _rate(hit, np.ones(len(rows), dtype=bool)),
            "flagged_of_reader_not_tvec": _rate(hit, not_tvec),
            "reader_not_tvec": int(not_tvec.sum()),
            "by_reader_label": _by_label(hit, readers),
        }
        if any("own_label" in row for row in rows):  # a person-labelled collection taught by the readers
            figures[name]["by_own_label"] = _by_label(hit, np.array([str(row["own_label"]) for row in rows]))
    return figures


def _by_label(hit: np.ndarray, labels: np.ndarray) -> dict[str, dict[str, Any]]:
    return {
        label: {"rows": int((labels == label).sum()), "flagged": _rate(hit, labels == label)}
        for label in sorted(set(labels))
    }


def _rate(hit: np.ndarray, mask: np.ndarray) -> float | None:
    return round(float(hit[mask].mean()), 4) if mask.any() else None


def write_scores(
    path: Path,
    corpus: Corpus,
    scores: Mapping[str, np.ndarray],
    pools: Mapping[str, Sequence[dict[str, Any]]],
    pool_scores: Mapping[str, TierScores],
) -> None:
    """Every row's score as shipped, per way of holding it out (JSON lines of ids and labels, never texts),
    to read a collection's score distribution; pool rows carry each tier's score with the pool left out."""
    with path.open("w", encoding="utf-8") as out:
        for i, row_id in enumerate(corpus.ids):
            entry = {"id": row_id, "collection": str(corpus.collections[i]), "label": LABELS[corpus.labels[i]]}
            out.write(json.dumps(entry | {name: round(float(s[i]), 5) for name, s in scores.items()}) + "\n")
        for name, (fast, deep, route) in pool_scores.items():
            for row, p_fast, p_deep, p_route in zip(pools[name], fast, deep, route, strict=True):
                tiers = {
                    "pool_out_fast": round(float(p_fast), 5),
                    "pool_out_deep": round(float(p_deep), 5),
                    "pool_out_route": round(float(p_route), 5),
                }
                out.write(json.dumps({"id": row["id"], "collection": name, "label": row["label"]} | tiers) + "\n")
