"""Fitting the two tiers: the fast tier's linear model over n-grams, the deep tier's head over
sentence embeddings, each as the packaged model will read it (`head_of`), and their out-of-fold
predictions, from which every line and figure is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier

from bastion.text.model import LABELS, LinearHead
from bastion.training.copies import TrainingExtra, WrittenRows
from bastion.training.corpus import TVEC, Corpus
from bastion.training.language_neutral import LanguageSubspace

JUDGED_WEIGHT = 0.5  # the judge and dev's annotators draw the line apart (model card): half a person's say


def _classifier(seed: int) -> SGDClassifier:
    return SGDClassifier(loss="log_loss", alpha=2e-6, max_iter=15, tol=None, class_weight="balanced", random_state=seed)


def judged_weights(corpus: Corpus) -> np.ndarray:
    """Each row's training weight: a person's label 1, the offline judge's `JUDGED_WEIGHT`, times the row's own
    weight (`bastion train --decisions-weight`, `--judged-weight`)."""
    weights = np.where(corpus.by_judge, JUDGED_WEIGHT, 1.0).astype(np.float32)
    return weights if corpus.row_weights is None else weights * corpus.row_weights


def fit(
    X: sparse.csr_matrix,
    corpus: Corpus,
    rows: np.ndarray,
    pseudo_threshold: float,
    seed: int = 7,
    copies: Sequence[TrainingExtra] = (),
) -> SGDClassifier:
    """Teacher on judged rows, pseudo-labels from weak rows, final model on both and on copies of them."""
    strong = rows & corpus.strong
    weak = rows & ~corpus.strong
    teacher = _classifier(seed).fit(X[strong], corpus.labels[strong])
    final_rows = strong.copy()
    weights = judged_weights(corpus)
    if weak.any() and TVEC in teacher.classes_:
        p_tvec = _tvec_column(teacher, X[weak])
        chosen = np.flatnonzero(weak)[p_tvec >= pseudo_threshold]
        final_rows[chosen] = True
        weights[chosen] = 0.5
    x, y, w = [X[final_rows]], [corpus.labels[final_rows]], [weights[final_rows]]
    for extra in copies:
        kept, extra_labels, extra_weights = extra.joining(final_rows, corpus.labels, weights)
        x.append(extra.X[kept])
        y.append(extra_labels)
        w.append(extra_weights.astype(np.float32))
    return _classifier(seed).fit(sparse.vstack(x, format="csr"), np.concatenate(y), sample_weight=np.concatenate(w))


def fit_deep(
    E: np.ndarray, corpus: Corpus, rows: np.ndarray, copies: Sequence[TrainingExtra] = ()
) -> LogisticRegression:
    """The deeper tier's head: rows labelled by reading them only, no pseudo-labels (embeddings generalise
    from few), and Bastion's written sentences where given; each label weighs the same in all. Faith-swapped
    copies add nothing here: the deep tier reads a text and its copies as one vector (`faith_neutral`)."""
    strong = rows & corpus.strong
    weights = judged_weights(corpus)
    x, y, w = [E[strong]], [corpus.labels[strong]], [weights[strong]]
    for extra in copies:
        if isinstance(extra, WrittenRows) and extra.E is not None:
            kept, extra_labels, extra_weights = extra.joining(strong, corpus.labels, weights)
            x.append(extra.E[kept])
            y.append(extra_labels)
            w.append(extra_weights)
    labels, weights = np.concatenate(y), np.concatenate(w)
    present = np.unique(labels)
    per_label = {label: weights.sum() / (len(present) * weights[labels == label].sum()) for label in present}
    balanced = weights * np.array([per_label[label] for label in labels])
    return LogisticRegression(C=1.0, max_iter=3000).fit(np.concatenate(x), labels, sample_weight=balanced)


def _tvec_column(model: SGDClassifier | LogisticRegression, x: np.ndarray | sparse.csr_matrix) -> np.ndarray:
    """P(tvec) as the packaged model computes it (`LinearHead.probabilities`), so that every threshold
    drawn on out-of-fold scores sits on the scale the shipped model scores on."""
    return head_of(model, x.shape[1]).probabilities(x)[:, TVEC]


def head_of(model: SGDClassifier | LogisticRegression, dimensions: int) -> LinearHead:
    """Coefficients in LABELS order; a class never seen in training is never predicted."""
    coef = np.zeros((len(LABELS), dimensions), dtype=np.float32)
    intercept = np.full(len(LABELS), -30.0, dtype=np.float32)
    classes = list(model.classes_)
    if len(classes) == 2:
        # One weight vector for the second class against the first: as ±z read one against the other,
        # sigmoid(z) / (sigmoid(z) + sigmoid(-z)) is sigmoid(z), what either model predicts.
        for sign, label in zip((-1.0, 1.0), classes, strict=True):
            coef[label], intercept[label] = sign * model.coef_[0], sign * model.intercept_[0]
        return LinearHead(coef, intercept, trained_one_vs_rest=True)
    for row, label in enumerate(classes):
        coef[label], intercept[label] = model.coef_[row], model.intercept_[row]
    return LinearHead(coef, intercept, trained_one_vs_rest=isinstance(model, SGDClassifier))


class TierScores(NamedTuple):
    """P(tvec) from each tier for texts outside the corpus: the fast tier, the deep tier's cascade head and its
    route head."""

    fast: np.ndarray
    deep: np.ndarray
    route: np.ndarray


@dataclass(frozen=True)
class DeepHeads:
    """The deep tier's two heads, fitted on the same rows: the cascade's on each text's vector, the route's on
    the vector without the encoder's language directions (the cascade's own head where none are left out)."""

    cascade: LinearHead
    route: LinearHead


def fit_deep_heads(
    E: np.ndarray,
    corpus: Corpus,
    rows: np.ndarray,
    copies: Sequence[TrainingExtra] = (),
    language: LanguageSubspace | None = None,
) -> DeepHeads:
    """Why two: English and Arabic have judged TVEC and hard negatives of their own, and the cascade's head
    uses what the encoder says about their language to tell them apart (without it, English recall fell 5
    points); the route's languages have neither, so there the language can only stand in for the text."""
    cascade = head_of(fit_deep(E, corpus, rows, copies), E.shape[1])
    if language is None:
        return DeepHeads(cascade, cascade)
    without = fit_deep(language.without(E), corpus, rows, language.without_in(copies))
    return DeepHeads(cascade, language.without_language(head_of(without, E.shape[1])))


def tier_scores(fast: LinearHead, heads: DeepHeads | None, X: sparse.csr_matrix, E: np.ndarray) -> TierScores:
    """P(tvec) from the fast tier and each deep head (zeros where there is no deep tier)."""
    if heads is None:
        return TierScores(fast.probabilities(X)[:, TVEC], *(np.zeros(X.shape[0]),) * 2)
    return TierScores(
        fast.probabilities(X)[:, TVEC], heads.cascade.probabilities(E)[:, TVEC], heads.route.probabilities(E)[:, TVEC]
    )


@dataclass(frozen=True)
class Predictions:
    """Out-of-fold P(tvec) from each tier for every row (`route`: the deep tier's route head, the cascade's own
    where no language directions are left out); `outside`, for texts outside the corpus (a pool's every row),
    P(tvec) from the models of the fold that held out their collection."""

    fast: np.ndarray
    deep: np.ndarray
    route: np.ndarray
    outside: dict[str, TierScores] = field(default_factory=dict)


def out_of_fold(
    X: sparse.csr_matrix,
    E: np.ndarray,
    corpus: Corpus,
    groups: np.ndarray,
    pseudo_threshold: float,
    progress: Callable[[str], None] = lambda _: None,
    copies: Sequence[TrainingExtra] = (),
    outside: Mapping[str, tuple[sparse.csr_matrix, np.ndarray]] | None = None,
    only: Collection[str] | None = None,
    language: LanguageSubspace | None = None,
) -> Predictions:
    """P(tvec) for every row from models that never saw the row's group (fold, source or collection);
    `only` limits the folds to these groups (other rows score 0), `outside` names texts to score with
    the models of the fold holding out their group; `language`, the directions the route's head leaves out."""
    fast, deep, route = np.zeros(len(corpus.texts)), np.zeros(len(corpus.texts)), np.zeros(len(corpus.texts))
    scored: dict[str, TierScores] = {}
    for group in sorted(set(groups) if only is None else set(groups) & set(only)):
        held_out = groups == group
        progress(f"fold: holding out {group} ({held_out.sum()} rows)")
        fast_head = head_of(fit(X, corpus, ~held_out, pseudo_threshold, copies=copies), X.shape[1])
        heads = fit_deep_heads(E, corpus, ~held_out, copies, language)
        fast[held_out], deep[held_out], route[held_out] = tier_scores(fast_head, heads, X[held_out], E[held_out])
        if outside and group in outside:
            scored[group] = tier_scores(fast_head, heads, *outside[group])
    return Predictions(fast, deep, route, scored)
