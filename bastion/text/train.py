"""Train both text tiers from labelled posts, and measure them honestly.

The central problem of the shared data: most TVEC rows are labelled by the
account that posted them (`basis: account`), and most of those are news relays
and chatter. Training on them teaches "conflict news is terrorism". So:

1. where the offline judge read an account-labelled row (`judged=True`,
   `bastion.text.judged_rows`: all 9,000 of dev's), its label replaces the
   account's, and the row teaches both tiers at `JUDGED_WEIGHT` with its
   words of worship taken out; rows it found unclear are dropped. No figure
   or line is drawn on these rows: only a person's labels are measured;
2. a teacher trained on every row labelled by reading the text scores the
   account-labelled rows left (in other files); only those it finds clearly
   TVEC (P ≥ `pseudo_threshold`) join training, at half weight, as
   pseudo-labels; the rest are dropped, not turned into negatives;
3. the fast tier is trained on those rows, on copies of a person's TVEC
   spelt out letter by letter (`spaced_copies`), and on copies of every text
   with another faith's words of worship in place of the ones it uses
   (`faith_swapped_copies`), so faith is never evidence; the deep tier's
   head on the same rows' sentence embeddings and their swapped copies,
   blind to the directions those swaps move a sentence
   (`faith_blind_projection`);
4. with `written=True` (`bastion train --written-examples`), both tiers
   also learn from sentences written for Bastion (`bastion.text.written`):
   TVEC and non-TVEC in the same words, in more languages than dev judges,
   so that stance, not one collection's vocabulary, separates them. They are
   in every model trained, held out from none, and no figure is measured on
   them. Off by default: the trade it makes is in docs/model-card.md.

Thresholds are set per language for 1% false positives on k-fold predictions
of dev. Cross-source figures (each source, then each collection of sources
sharing accounts or annotators, predicted by models that never saw it) are
reported beside them: the closest this data gets to an independent held-out set.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier

from bastion.text.context_probes import context_probe_summary, tvec_probe_summary
from bastion.text.embedding import ENCODER_LANGUAGES, embed
from bastion.text.evaluate import LabelledFileError, read_labelled
from bastion.text.judged_rows import JUDGE_BASIS, Judgement, load_judgements, with_judgements
from bastion.text.model import LABELS, DeepRoute, LinearHead, TextModel, cascade, features, line_for, prepare
from bastion.text.scripts import script_line_key
from bastion.text.swap_probes import FAITH_PROBES, GROUP_PROBES, swap_probe_summary
from bastion.text.swaps import FAITH_TERMS, SwapTerms
from bastion.text.written import written_examples

TVEC = 0
STRONG_BASES = {"text", "curated"}  # a person's label: what figures are measured on
TAUGHT_BASES = STRONG_BASES | {JUDGE_BASIS}  # labels given by reading the text: what the tiers learn as judged
TARGET_FPR = 0.01
DEEP_RECALL = 0.99  # share of judged TVEC the cascade must hand to the deep tier
DEEP_WEIGHTS = (0.0, 0.25, 0.5, 0.75)  # the deep tier's share of the combined score, tried out of fold
DEEP_TIER_MUST_ADD = 0.005  # recall the deep tier must add to be kept (it costs ~2 ms a text)
MIN_NEGATIVES_FOR_THRESHOLD = 200
MIN_TAUGHT_TVEC = 30  # judged TVEC rows in a language before the fast tier's score in it means anything
JUDGED_WEIGHT = 0.5  # the judge and dev's annotators draw the line apart (model card): half a person's say
FAITH_DIRECTIONS = 20  # of the sentence embedding, which the deep tier may not read (faith_blind_projection)
PROTECTED_CONTEXTS = ("news", "counter_speech", "religious")  # each held to TARGET_FPR on its own


@dataclass(frozen=True)
class Corpus:
    texts: list[str]  # prepared
    originals: list[str]  # as written in the file
    labels: np.ndarray  # index into LABELS
    strong: np.ndarray  # bool: the label was given by reading the text (a person, or the offline judge)
    measured: np.ndarray  # bool: a person judged the label; every figure and line is drawn on these
    collections: np.ndarray  # str: source family, the unit of cross-validation
    sources: np.ndarray
    langs: np.ndarray
    ids: list[str]

    @property
    def X(self) -> sparse.csr_matrix:
        return features(self.texts)

    @property
    def judged_tvec(self) -> np.ndarray:
        return (self.labels == TVEC) & self.measured

    @property
    def negatives(self) -> np.ndarray:
        return (self.labels != TVEC) & self.measured

    @property
    def by_judge(self) -> np.ndarray:
        return self.strong & ~self.measured


def collection_of(row: dict[str, object]) -> str:
    """Sources that share authors or annotators are held out together; a row may name its collection."""
    source = str(row.get("source", "unknown"))
    if isinstance(row.get("collection"), str):
        return str(row["collection"])
    for family in ("fifthtribe", "alfifi", "conan", "tweeteval"):
        if source.startswith(family):
            return family
    return source


def read_corpus(
    paths: Path | Sequence[Path],
    limit: int | None = None,
    seed: int = 7,
    judgements: Mapping[str, Judgement] | None = None,
) -> Corpus:
    """Rows from every file, account labels replaced where the offline judge read the text; where a
    person's label and another cover the same text, the person's wins."""
    rows = [row for path in _as_list(paths) for _, row in read_labelled(path) if row["label"] in LABELS]
    rows = with_judgements(rows, judgements or {})
    if (
        not any(r["label"] == LABELS[TVEC] and r.get("basis", "text") in STRONG_BASES for r in rows)
        or len({r["label"] for r in rows}) < 2
    ):
        raise LabelledFileError(f"{paths}: training needs judged TVEC rows and at least one other label")
    texts = [prepare(r["text"]) for r in rows]
    keys = [_same_text_key(text) for text in texts]
    judged = {key for key, r in zip(keys, rows, strict=True) if r.get("basis", "text") in STRONG_BASES}
    keep = [i for i, r in enumerate(rows) if r.get("basis", "text") in STRONG_BASES or keys[i] not in judged]
    if limit and limit < len(keep):
        keep = sorted(np.random.default_rng(seed).choice(keep, size=limit, replace=False).tolist())
    rows, texts = [rows[i] for i in keep], [texts[i] for i in keep]
    texts = _judged_without_worship(rows, texts)
    return Corpus(
        texts=texts,
        originals=[r["text"] for r in rows],
        labels=np.array([LABELS.index(r["label"]) for r in rows]),
        strong=np.array([r.get("basis", "text") in TAUGHT_BASES for r in rows]),
        measured=np.array([r.get("basis", "text") in STRONG_BASES for r in rows]),
        collections=np.array([collection_of(r) for r in rows]),
        sources=np.array([r.get("source", "unknown") for r in rows]),
        langs=np.array([r.get("lang") or "und" for r in rows]),
        ids=[str(r.get("id", i)) for i, r in enumerate(rows)],
    )


def _judged_without_worship(rows: list[dict[str, Any]], texts: list[str]) -> list[str]:
    """The offline judge's rows with their words of worship taken out. Supporters wrap praise of attacks
    in prayer formulae, so the judge's TVEC says "Allahu akbar" far more often than any negative in the
    data does; learnt as they stand, they taught both tiers that the formula is evidence (faith probes:
    "Allahu akbar, my daughter was born" 0.27, with "God is great" 0.10). Without them, these rows teach
    only what they say; a person's rows keep their words and their swapped copies."""
    terms = SwapTerms.load(FAITH_TERMS)
    return [
        terms.without(text, row.get("lang") or "und") if row.get("basis") == JUDGE_BASIS else text
        for row, text in zip(rows, texts, strict=True)
    ]


def _same_text_key(prepared: str) -> str:
    """Letters and digits only, without link and mention markers: collections export the same
    tweet with or without its link or the names it mentions."""
    return _NOT_WORDS.sub("", _MARKERS.sub(" ", prepared))


_MARKERS = re.compile(r"\b(?:url|user)\b")
_NOT_WORDS = re.compile(r"[\W_]+")


def _as_list(paths: Path | Sequence[Path]) -> list[Path]:
    return [paths] if isinstance(paths, Path) else list(paths)


def _classifier(seed: int) -> SGDClassifier:
    return SGDClassifier(loss="log_loss", alpha=2e-6, max_iter=15, tol=None, class_weight="balanced", random_state=seed)


@dataclass(frozen=True)
class Copies:
    """Altered copies of corpus rows, for training only, each under its row's own label."""

    rows: np.ndarray  # the corpus row each copy was made from
    X: sparse.csr_matrix  # their features, one row per copy
    weight: float
    E: np.ndarray | None = None  # their sentence embeddings, where the deep tier learns from them too

    def joining(
        self, in_training: np.ndarray, labels: np.ndarray, row_weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which copies join a model trained on `in_training` rows, with their labels and weights:
        copies of training rows only, so a held-out text never leaks in."""
        kept = in_training[self.rows]
        chosen = self.rows[kept]
        return kept, labels[chosen], self.weight * row_weights[chosen]


@dataclass(frozen=True)
class WrittenRows:
    """Sentences written for Bastion (`bastion.text.written`): no corpus row's copy, so every model
    trained learns from all of them, and no figure is measured on them."""

    labels: np.ndarray
    X: sparse.csr_matrix
    weight: float
    E: np.ndarray | None = None

    def joining(
        self, in_training: np.ndarray, labels: np.ndarray, row_weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.ones(len(self.labels), dtype=bool), self.labels, np.full(len(self.labels), self.weight)


def spaced_copies(corpus: Corpus) -> Copies:
    """Judged TVEC texts written letter by letter, as evaders write them.

    The normaliser joins "w o r d" back to "word", but a sentence spaced word by
    word comes back as one long run ("w o r d s o m e" → "wordsome"): no
    normaliser can tell where the words were. Training on such copies teaches
    the fast tier what those runs look like.
    """
    rows = np.flatnonzero(corpus.judged_tvec)  # a person's: spelt from the original, words of worship and all
    return Copies(rows, features([prepare(spaced_out(corpus.originals[i])) for i in rows]), weight=0.5)


def spaced_out(text: str) -> str:
    """Every word of four letters or more spelt out with spaces between its letters."""
    return " ".join(" ".join(word) if len(word) >= 4 and word.isalpha() else word for word in text.split(" "))


def faith_swapped_copies(
    corpus: Corpus, terms: SwapTerms | None = None, embedder: Callable[[list[str]], np.ndarray] | None = embed
) -> Copies:
    """Every text that uses one faith's words of worship, with each other faith's words in their place,
    for both tiers, each copy at full weight."""
    terms = terms or SwapTerms.load(FAITH_TERMS)
    rows, texts = [], []
    for row, (text, lang) in enumerate(zip(corpus.texts, corpus.langs, strict=True)):
        for copy in terms.swapped(text, str(lang)):
            rows.append(row)
            texts.append(copy)
    E = embedder(texts) if embedder else None
    return Copies(np.array(rows, dtype=np.int64), features(texts), weight=1.0, E=E)


TrainingExtra = Copies | WrittenRows


def written_rows(embedder: Callable[[list[str]], np.ndarray] | None = embed) -> WrittenRows:
    """Bastion's written sentences and their faith-swapped copies, each under its sentence's label."""
    terms = SwapTerms.load(FAITH_TERMS)
    texts, labels = [], []
    for example in written_examples():
        text = prepare(example.text)
        for variant in (text, *terms.swapped(text, example.lang)):
            texts.append(variant)
            labels.append(LABELS.index(example.label))
    weight = 1.0  # as much as a judged row: 0.5 gave less recall, 2 flagged a faith probe (model card)
    return WrittenRows(np.array(labels), features(texts), weight, embedder(texts) if embedder else None)


def training_copies(
    corpus: Corpus, embedder: Callable[[list[str]], np.ndarray] | None = embed, written: bool = False
) -> list[TrainingExtra]:
    copies: list[TrainingExtra] = [spaced_copies(corpus), faith_swapped_copies(corpus, embedder=embedder)]
    return [*copies, written_rows(embedder)] if written else copies


def judged_weights(corpus: Corpus) -> np.ndarray:
    """Each row's training weight: a person's label 1, the offline judge's `JUDGED_WEIGHT`."""
    return np.where(corpus.by_judge, JUDGED_WEIGHT, 1.0).astype(np.float32)


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
    from few), and their embedded copies at the copies' weights; each label weighs the same in all."""
    strong = rows & corpus.strong
    weights = judged_weights(corpus)
    x, y, w = [E[strong]], [corpus.labels[strong]], [weights[strong]]
    for extra in copies:
        if extra.E is not None:
            kept, extra_labels, extra_weights = extra.joining(strong, corpus.labels, weights)
            x.append(extra.E[kept])
            y.append(extra_labels)
            w.append(extra_weights)
    labels, weights = np.concatenate(y), np.concatenate(w)
    present = np.unique(labels)
    per_label = {label: weights.sum() / (len(present) * weights[labels == label].sum()) for label in present}
    balanced = weights * np.array([per_label[label] for label in labels])
    blind = faith_blind_projection(E, copies, strong)
    head = LogisticRegression(C=1.0, max_iter=3000).fit(np.concatenate(x) @ blind, labels, sample_weight=balanced)
    head.coef_ = head.coef_ @ blind  # the same head on raw embeddings: nothing changes where it is served
    return head


def faith_blind_projection(E: np.ndarray, copies: Sequence[TrainingExtra], rows: np.ndarray) -> np.ndarray:
    """A projection that removes from sentence embeddings the directions in which a text moves when only
    its faith's words change (the principal directions of each faith-swapped copy minus its original).

    Swapped copies teach both faiths the same labels, but the encoder still places a sentence that says
    "Allahu akbar" nearer other Muslim-sounding sentences, so a linear head learns Muslim-ness itself
    wherever TVEC in the data says such words more often than the rest. Without those directions the head
    cannot read which faith a text speaks of, only what it says (Bolukbasi et al. 2016).
    """
    identity = np.eye(E.shape[1], dtype=np.float64)
    moves = [
        extra.E[kept] - E[extra.rows[kept]]
        for extra in copies
        if isinstance(extra, Copies) and extra.E is not None and (kept := rows[extra.rows]).any()
    ]
    if not moves:
        return identity
    _, _, directions = np.linalg.svd(np.concatenate(moves), full_matrices=False)
    faith = directions[:FAITH_DIRECTIONS]
    return identity - faith.T @ faith


def _tvec_column(model: SGDClassifier | LogisticRegression, x: np.ndarray | sparse.csr_matrix) -> np.ndarray:
    """P(tvec) as the packaged model computes it (`LinearHead.probabilities`), so that every threshold
    drawn on out-of-fold scores sits on the scale the shipped model scores on."""
    return head_of(model, x.shape[1]).probabilities(x)[:, TVEC]


@dataclass(frozen=True)
class Predictions:
    """Out-of-fold P(tvec) from each tier for every row."""

    fast: np.ndarray
    deep: np.ndarray


def out_of_fold(
    X: sparse.csr_matrix,
    E: np.ndarray,
    corpus: Corpus,
    groups: np.ndarray,
    pseudo_threshold: float,
    progress: Callable[[str], None] = lambda _: None,
    copies: Sequence[TrainingExtra] = (),
) -> Predictions:
    """P(tvec) for every row from models that never saw the row's group (fold, source or collection)."""
    fast, deep = np.zeros(len(corpus.texts)), np.zeros(len(corpus.texts))
    for group in sorted(set(groups)):
        held_out = groups == group
        progress(f"fold: holding out {group} ({held_out.sum()} rows)")
        fast[held_out] = _tvec_column(fit(X, corpus, ~held_out, pseudo_threshold, copies=copies), X[held_out])
        deep[held_out] = _tvec_column(fit_deep(E, corpus, ~held_out, copies), E[held_out])
    return Predictions(fast, deep)


def deep_from_for(p_fast: np.ndarray, corpus: Corpus) -> float:
    """The fast score above which texts go to the deep tier: where 99% of judged TVEC lies."""
    positive = corpus.judged_tvec
    return float(np.quantile(p_fast[positive], 1 - DEEP_RECALL)) if positive.any() else 0.5


def threshold_for_fpr(p_tvec: np.ndarray, negative: np.ndarray, target: float = TARGET_FPR) -> float:
    """The lowest threshold whose false-positive rate on the negatives is at most `target`."""
    scores = np.sort(p_tvec[negative])[::-1]
    allowed = int(np.floor(target * len(scores)))
    return float(min(1.0, scores[allowed] + 1e-6)) if len(scores) > allowed else 0.5


def thresholds_by_language(p_tvec: np.ndarray, corpus: Corpus, among: np.ndarray | None = None) -> dict[str, float]:
    """At most 1% false positives in every language with enough negatives to tell, overall and on each
    protected context (news, counter-speech, religious) with enough rows of its own.

    One global threshold would let a language's share of TVEC in the training
    data set its false-positive rate: Arabic posts flagged for being Arabic. So
    each language gets its own, but never one below the reference threshold,
    set on the language whose negatives come from the most collections: a
    lower one would put a language's speakers under more scrutiny than the
    reference's (dev's French negatives, all from one counter-speech
    collection, asked for 0.005 against English's 0.1). The reference also
    serves every other language ("*"). `among` limits the rows drawn on.
    """
    negative = corpus.negatives if among is None else corpus.negatives & among
    own = {
        lang: rows
        for lang in sorted(set(corpus.langs))
        if lang != "und" and (rows := negative & (corpus.langs == lang)).sum() >= MIN_NEGATIVES_FOR_THRESHOLD
    }
    if not own:
        return {"*": _threshold_within(p_tvec, negative, corpus)}
    reference = max(own, key=lambda lang: (len(set(corpus.collections[own[lang]])), int(own[lang].sum())))
    floor = _threshold_within(p_tvec, own[reference], corpus)
    lines = {"*": floor} | {lang: max(floor, _threshold_within(p_tvec, rows, corpus)) for lang, rows in own.items()}
    return lines | script_lines(lines)


def script_lines(lines: dict[str, float]) -> dict[str, float]:
    """For each non-Latin script a language with its own line is written in, the highest such line: a
    language without a line of its own is judged by the likeness its letters share with the languages
    that have one (Urdu's with Arabic's), not at the reference line drawn on English."""
    by_script: dict[str, float] = {}
    for lang, line in lines.items():
        if (key := script_line_key(lang)) is not None:
            by_script[key] = max(by_script.get(key, 0.0), line)
    return by_script


def _threshold_within(p_tvec: np.ndarray, negatives: np.ndarray, corpus: Corpus) -> float:
    """The lowest threshold with at most 1% false positives on these negatives, and on each protected
    context among them: the contexts where over-removal silences people most are held to the target
    one by one, not only on average (news alone sat at 1.2% under an overall 1%)."""
    candidates = [threshold_for_fpr(p_tvec, negatives)]
    for label in PROTECTED_CONTEXTS:
        rows = negatives & (corpus.labels == LABELS.index(label))
        if rows.sum() >= MIN_NEGATIVES_FOR_THRESHOLD:
            candidates.append(threshold_for_fpr(p_tvec, rows))
    return max(candidates)


def route_languages(corpus: Corpus) -> frozenset[str]:
    """The encoder's languages in which the fast tier saw too little judged TVEC to have learnt it."""
    judged_tvec = (corpus.labels == TVEC) & corpus.strong  # by anyone who read it: what the fast tier learnt
    taught = {lang for lang in set(corpus.langs) if (judged_tvec & (corpus.langs == lang)).sum() >= MIN_TAUGHT_TVEC}
    return ENCODER_LANGUAGES - taught


def route_thresholds(p_deep: np.ndarray, corpus: Corpus, languages: frozenset[str]) -> dict[str, float]:
    """Lines on the deep tier's own score for the languages it judges alone, by the cascade's rule: the
    reference language's line for all of them, or a route language's own where it needs a higher one."""
    drawn = thresholds_by_language(p_deep, corpus)
    return {lang: t for lang, t in drawn.items() if lang == "*" or lang in languages}


def draw_lines(
    predictions: Predictions, corpus: Corpus, deep_from: float, deep_weight: float, languages: frozenset[str]
) -> tuple[dict[str, float], DeepRoute | None]:
    """The cascade's thresholds for the languages it judges, and the deep tier's route for the rest."""
    combined = cascade(predictions.fast, predictions.deep, deep_from, deep_weight)
    if deep_weight == 0 or not languages:
        return thresholds_by_language(combined, corpus), None
    routed = np.isin(corpus.langs, sorted(languages))
    route = DeepRoute(languages, route_thresholds(predictions.deep, corpus, languages))
    return thresholds_by_language(combined, corpus, ~routed), route


def shipped_scores(
    predictions: Predictions, corpus: Corpus, deep_from: float, deep_weight: float, route: DeepRoute | None
) -> np.ndarray:
    """Every row's score as the packaged model gives it: the deep tier alone in route languages."""
    alone = None if route is None else np.isin(corpus.langs, sorted(route.languages))
    return cascade(predictions.fast, predictions.deep, deep_from, deep_weight, alone)


def flagged(
    p_tvec: np.ndarray, corpus: Corpus, thresholds: dict[str, float], route: DeepRoute | None = None
) -> np.ndarray:
    return p_tvec >= np.array([line_for(lang, thresholds, route) for lang in corpus.langs])


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
    report["deep_share"] = round(float((predictions.fast >= deep_from).mean()), 4)
    report["deep_weight"] = deep_weight
    return report


def choose_deep_weight(predictions: Predictions, corpus: Corpus, deep_from: float) -> tuple[float, dict[str, float]]:
    """The deep tier's share that catches the most judged TVEC at 1% false positives per language,
    out of fold; the smallest share within `DEEP_TIER_MUST_ADD` of the best wins, and 0 drops the
    tier: it is kept only where it helps. Returns the share and the recall of every share tried."""
    positive = corpus.judged_tvec
    recall = {}
    for weight in DEEP_WEIGHTS:
        p_tvec = cascade(predictions.fast, predictions.deep, deep_from, weight)
        recall[weight] = float(flagged(p_tvec, corpus, thresholds_by_language(p_tvec, corpus))[positive].mean())
    best = max(recall.values())
    chosen = min(weight for weight in DEEP_WEIGHTS if recall[weight] >= best - DEEP_TIER_MUST_ADD)
    return chosen, {str(weight): round(value, 4) for weight, value in recall.items()}


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
) -> TextModel:
    """Fit both tiers on every row, with thresholds and figures from out-of-fold predictions."""
    progress(f"reading {', '.join(map(str, _as_list(data)))}")
    corpus = read_corpus(data, limit, judgements=load_judgements() if judged else None)
    X = corpus.X
    progress(f"embedding {len(corpus.texts)} texts and their faith-swapped copies for the deep tier")
    E = embed(corpus.texts)
    copies = training_copies(corpus, written=written)
    # Thresholds come from k-fold predictions, as the operating point of a
    # model trained on all of dev; cross-source folds show how far it travels.
    fold_of = np.random.default_rng(7).integers(0, folds, len(corpus.texts))
    in_dev = out_of_fold(X, E, corpus, fold_of, pseudo_threshold, progress, copies)
    deep_from = deep_from_for(in_dev.fast, corpus)
    deep_weight, recall_by_weight = choose_deep_weight(in_dev, corpus, deep_from)
    languages = route_languages(corpus)
    thresholds, route = draw_lines(in_dev, corpus, deep_from, deep_weight, languages)
    report: dict[str, object] = {
        "rows": len(corpus.texts),
        "written_examples": sum(len(extra.labels) for extra in copies if isinstance(extra, WrittenRows)),
        "offline_judged_rows": _judged_by_label(corpus),
        "data": {path.name: _digest(path) for path in _as_list(data)},
        "rows_by_source": {str(s): int((corpus.sources == s).sum()) for s in sorted(set(corpus.sources))},
        "pseudo_threshold": pseudo_threshold,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "deep_weight_tried": recall_by_weight,
        f"{folds}_fold": evaluate_tiers(in_dev, corpus, deep_from, deep_weight, languages),
    }
    if cross_source:
        for name, groups in (
            ("leave_one_source_out", corpus.sources),
            ("leave_one_collection_out", corpus.collections),
        ):
            elsewhere = out_of_fold(X, E, corpus, groups, pseudo_threshold, progress, copies)
            entry = evaluate_tiers(elsewhere, corpus, deep_from, deep_weight, languages)
            # The held-out set's situation: thresholds drawn on dev, texts from collections never seen.
            scores = shipped_scores(elsewhere, corpus, deep_from, deep_weight, route)
            entry["at_shipped_thresholds"] = metrics(
                flagged(scores, corpus, thresholds, route), corpus, thresholds, route
            )
            report[name] = entry
    progress("fitting both tiers on every row")
    everything = np.ones(len(corpus.texts), dtype=bool)
    fast = _as_saved(head_of(fit(X, corpus, everything, pseudo_threshold, copies=copies), X.shape[1]))
    deep = head_of(fit_deep(E, corpus, everything, copies), E.shape[1]) if deep_weight > 0 else None
    version = model_version(fast, deep, deep_from, thresholds, deep_weight, route)
    model = TextModel(fast, deep, deep_from, thresholds, version, report, deep_weight, route)
    report["faith_probes"] = swap_probe_summary(model, FAITH_PROBES)
    report["group_probes"] = swap_probe_summary(model, GROUP_PROBES)
    report["context_probes"] = context_probe_summary(model)
    report["tvec_probes"] = tvec_probe_summary(model)
    model.save(out)
    return model


def _judged_by_label(corpus: Corpus) -> dict[str, int]:
    judged = corpus.by_judge
    return {LABELS[i]: int((judged & (corpus.labels == i)).sum()) for i in sorted(set(corpus.labels[judged]))}


def model_version(
    fast: LinearHead,
    deep: LinearHead | None,
    deep_from: float,
    thresholds: dict[str, float],
    deep_weight: float,
    route: DeepRoute | None = None,
) -> str:
    """Named by everything that decides a verdict: the weights as saved, and where the lines are drawn
    (a loaded model gives the same name)."""
    lines: dict[str, object] = {"deep_from": deep_from, "thresholds": thresholds, "deep_weight": deep_weight}
    if fast.trained_one_vs_rest:
        lines["fast_one_vs_rest"] = True
    if route is not None:
        lines["deep_route"] = route.as_json()
    decisions = json.dumps(lines, sort_keys=True)
    weights = fast.coef.astype(np.float16).tobytes() + (deep.coef.tobytes() if deep else b"")
    return f"text-{datetime.now(UTC):%Y%m%d}-{hashlib.sha256(weights + decisions.encode()).hexdigest()[:8]}"


def _digest(path: Path) -> str:
    """Which version of a training file built the model (the files themselves are never shipped)."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _as_saved(head: LinearHead) -> LinearHead:
    """The fast tier's weights at the half precision they ship in, so the probes recorded in model.json
    score exactly what loads."""
    return LinearHead(head.coef.astype(np.float16).astype(np.float32), head.intercept, head.trained_one_vs_rest)


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
