"""Train both text tiers from labelled posts, and measure them honestly.

The central problem of the shared data: most TVEC rows are labelled by the
account that posted them (`basis: account`), and most of those are news relays
and chatter. Training on them teaches "conflict news is terrorism". So:

1. where the offline judge read an account-labelled row (`judged=True`,
   `bastion.training.judged_rows`: all 9,000 of dev's), its label replaces the
   account's, and the row teaches both tiers at `tiers.JUDGED_WEIGHT` with its
   words of worship taken out; rows it found unclear are dropped. No figure
   or line is drawn on these rows: only a person's labels are measured;
2. a teacher trained on every row labelled by reading the text scores the
   account-labelled rows left (in other files); only those it finds clearly
   TVEC (P ≥ `pseudo_threshold`) join training, at half weight, as
   pseudo-labels; the rest are dropped, not turned into negatives;
3. the fast tier is trained on those rows, on copies of a person's TVEC
   spelt out letter by letter (`copies.spaced_copies`), and on copies of
   every text with another faith's words of worship in place of the ones it
   uses (`copies.faith_swapped_copies`), so faith is never evidence; the deep
   tier's head on the same rows' sentence embeddings, each the mean over the
   text with every faith's words in turn, as the deep tier reads them when
   serving (`faith_swaps.faith_neutral`);
4. with `written=True` (`bastion train --written-examples`), both tiers
   also learn from sentences written for Bastion (`bastion.training.written`):
   TVEC and non-TVEC in the same words, in more languages than dev judges,
   so that stance, not one collection's vocabulary, separates them. They are
   in every model trained, held out from none, and no figure is measured on
   them. Off by default: the trade it makes is in docs/model-experiments.md;
5. the deep tier has two heads: the cascade's, and the route's, which judges
   the languages without judged TVEC of their own and learns without the
   directions in which the encoder tells languages apart
   (`bastion.training.language_neutral`), so there a text is judged by what it
   says, not by the language it says it in.

Thresholds are set per language for 1% false positives on k-fold predictions
of dev (`bastion.training.thresholds`). Cross-source figures (each source,
then each collection of sources sharing accounts or annotators, predicted by
models that never saw it; `bastion.training.figures`) are reported beside
them: the closest this data gets to an independent held-out set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from bastion.text.embedding import embed
from bastion.text.faith_swaps import faith_neutral
from bastion.text.model import LABELS, LinearHead, TextModel, features, prepare
from bastion.training.card import write_card
from bastion.training.context_probes import THREAT_PROBES, context_probe_summary, tvec_probe_summary
from bastion.training.copies import WrittenRows, training_copies
from bastion.training.corpus import Corpus, as_paths, read_corpus
from bastion.training.elsewhere import (
    Lines,
    collection_figures,
    figures_elsewhere,
    held_out_elsewhere,
    pool_flag_rates,
    write_scores,
)
from bastion.training.figures import choose_deep_weight, evaluate_tiers
from bastion.training.judged_rows import load_judgements
from bastion.training.language_neutral import DIRECTIONS, language_subspace, parallel_pairs
from bastion.training.line_costs import line_costs
from bastion.training.naming import model_version
from bastion.training.swap_probes import FAITH_PROBES, GROUP_PROBES, swap_probe_summary
from bastion.training.thresholds import deep_from_for, draw_lines, flagged, route_languages, shipped_scores
from bastion.training.tiers import TierScores, fit, fit_deep_heads, head_of, out_of_fold, tier_scores


def train(
    data: Path | Sequence[Path],
    out: Path,
    limit: int | None = None,
    pseudo_threshold: float = 0.7,
    folds: int = 5,
    cross_source: bool = True,
    written: bool = False,
    judged: bool = True,
    progress: Callable[[str], None] = lambda _: None,
    notes: dict[str, object] | None = None,
    pools: Mapping[str, Sequence[dict[str, Any]]] | None = None,
    source_folds: bool = True,
    scores_out: Path | None = None,
    hold_out: Collection[str] | None = None,
    embedder: Callable[[Sequence[str]], np.ndarray] = embed,
    language_directions: int = DIRECTIONS,
) -> TextModel:
    """Fit both tiers on every row, with thresholds and figures from out-of-fold predictions; `notes` (the data
    mix, the policy version) join the figures, and the model's card is written beside it (`card.write_card`).
    `pools` (`extra_collections.ExtraRows.pools`: every row of a collection no person labelled) are scored by
    models that never saw them; `scores_out` receives every row's out-of-fold score (ids, never texts);
    `hold_out` names the only collections held out (default: each, then each source); the deep tier's route head
    learns without the encoder's `language_directions` strongest language directions (0: no head of its own)."""
    progress(f"reading {', '.join(map(str, as_paths(data)))}")
    corpus = read_corpus(data, limit, judgements=load_judgements() if judged else None)
    if corpus.unknown_labels:
        named = ", ".join(f"{label!r} ({n})" for label, n in corpus.unknown_labels.items())
        progress(
            f"warning: {sum(corpus.unknown_labels.values())} rows not learnt from, their labels are no class: "
            f"{named}; the classes are {', '.join(LABELS)}"
        )
    X = corpus.X
    progress(f"embedding {len(corpus.texts)} texts for the deep tier, each with its faith-swapped orbit")
    E = faith_neutral(corpus.texts, list(corpus.langs), embedder)
    copies = training_copies(corpus, embedder, written=written)
    language = None
    if language_directions > 0:
        progress(f"finding the encoder's {language_directions} strongest language directions")
        language = language_subspace(parallel_pairs(), embedder, language_directions)
    # Thresholds come from k-fold predictions, as the operating point of a
    # model trained on all of dev; cross-source folds show how far it travels.
    fold_of = np.random.default_rng(7).integers(0, folds, len(corpus.texts))
    in_dev = out_of_fold(X, E, corpus, fold_of, pseudo_threshold, progress, copies, language=language)
    deep_from = deep_from_for(in_dev.fast, corpus)
    deep_weight, recall_by_weight = choose_deep_weight(in_dev, corpus, deep_from)
    languages = route_languages(corpus)
    thresholds, route = draw_lines(in_dev, corpus, deep_from, deep_weight, languages)
    report: dict[str, object] = {
        "rows": len(corpus.texts),
        "written_examples": sum(len(extra.labels) for extra in copies if isinstance(extra, WrittenRows)),
        "offline_judged_rows": _judged_by_label(corpus),
        "data": {path.name: _digest(path) for path in as_paths(data)},
        "rows_by_source": {str(s): int((corpus.sources == s).sum()) for s in sorted(set(corpus.sources))},
        "pseudo_threshold": pseudo_threshold,
        "route_without_language": language.note() if language else None,
        **(notes or {}),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "deep_weight_tried": recall_by_weight,
        f"{folds}_fold": evaluate_tiers(in_dev, corpus, deep_from, deep_weight, languages),
    }
    in_dev_scores = shipped_scores(in_dev, corpus, deep_from, deep_weight, route)
    report[f"{folds}_fold"]["by_collection_at_shipped_thresholds"] = collection_figures(  # type: ignore[index]
        flagged(in_dev_scores, corpus, thresholds, route), corpus
    )
    report["line_costs"] = line_costs(in_dev_scores, corpus, thresholds, route)
    pools = pools or {}
    outside = {name: _features_of(rows, embedder) for name, rows in pools.items()}
    scores = {f"{folds}_fold": in_dev_scores}
    pool_scores: dict[str, TierScores] = {}
    if cross_source:
        lines = Lines(deep_from, deep_weight, thresholds, route, languages)
        folds_elsewhere = held_out_elsewhere(
            X, E, corpus, pseudo_threshold, progress, copies, outside, source_folds, hold_out, language
        )
        for name, elsewhere in folds_elsewhere:
            report[name], scores[name] = figures_elsewhere(elsewhere, corpus, lines, hold_out)
            pool_scores |= elsewhere.outside
    progress("fitting both tiers on every row")
    everything = np.ones(len(corpus.texts), dtype=bool)
    fast = _as_saved(head_of(fit(X, corpus, everything, pseudo_threshold, copies=copies), X.shape[1]))
    needs_deep = deep_weight > 0 or route is not None  # a route needs its deep tier even at share 0
    heads = fit_deep_heads(E, corpus, everything, copies, language) if needs_deep else None
    deep = heads.cascade if heads else None
    route_deep = heads.route if heads and language else None
    version = model_version(
        fast, deep, deep_from, thresholds, deep_weight, route, faith_neutral=True, route_deep=route_deep
    )
    model = TextModel(
        fast,
        deep,
        deep_from,
        thresholds,
        version,
        report,
        deep_weight,
        route,
        faith_neutral=True,
        route_deep=route_deep,
    )
    for name in pools.keys() - pool_scores.keys():  # no fold held it out: unseen by all if nothing was taught from it
        if any(row["label"] is not None for row in pools[name]):
            continue  # taught and never held out: no figure (`--hold-out` it to measure it)
        pool_scores[name] = tier_scores(fast, heads, *outside[name])
    report["pools_left_out"] = pool_flag_rates(pools, pool_scores, deep_from, deep_weight, thresholds, route)
    report["faith_probes"] = swap_probe_summary(model, FAITH_PROBES)
    report["group_probes"] = swap_probe_summary(model, GROUP_PROBES)
    report["context_probes"] = context_probe_summary(model)
    report["tvec_probes"] = tvec_probe_summary(model)
    report["threat_probes"] = tvec_probe_summary(model, THREAT_PROBES)
    if scores_out is not None:
        write_scores(scores_out, corpus, scores, pools, pool_scores)
    model.save(out)
    write_card(model, out)
    return model


def _features_of(
    rows: Sequence[dict[str, Any]], embedder: Callable[[Sequence[str]], np.ndarray]
) -> tuple[sparse.csr_matrix, np.ndarray]:
    texts = [prepare(str(row["text"])) for row in rows]
    return features(texts), faith_neutral(texts, [row.get("lang") for row in rows], embedder)


def _judged_by_label(corpus: Corpus) -> dict[str, int]:
    judged = corpus.by_judge
    return {LABELS[i]: int((judged & (corpus.labels == i)).sum()) for i in sorted(set(corpus.labels[judged]))}


def _digest(path: Path) -> str:
    """Which version of a training file built the model (the files themselves are never shipped)."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _as_saved(head: LinearHead) -> LinearHead:
    """The fast tier's weights at the half precision they ship in, so the probes recorded in model.json
    score exactly what loads."""
    return LinearHead(head.coef.astype(np.float16).astype(np.float32), head.intercept, head.trained_one_vs_rest)
