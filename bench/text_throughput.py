"""Text detection: speed of both tiers, evasion robustness, and two baselines, in one run.

    .venv/bin/python bench/text_throughput.py [--data ../shared/data/dev.jsonl] [--quick]

Prints (and records nothing by itself; copy the figures into docs/benchmarks.md):
1. fast tier texts/s on one core (normalise + features + linear layer), deep tier p50/p99 per text;
2. recall on judged TVEC, plain and with the evasion tricks the normaliser folds applied to every
   TVEC text (spacing, homoglyphs, leetspeak, zero-width, repeated letters): the packaged model on
   its own training texts, and the fast tier out of fold, without and with spaced-out training copies;
3. keyword list, TF-IDF char 2-5 + logistic regression, and Bastion's fast tier trained the same way,
   each with per-language thresholds for 1% false positives, in 5-fold and leave-one-source-out CV;
4. with `--outside FILE...` (labelled JSONL from collections not in --data): the keyword list, TF-IDF
   trained on all of --data at its 5-fold lines, and the packaged model at its shipped lines, on each
   file: the held-out judgement's situation (lines drawn on dev, texts from elsewhere).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bastion.text.embedding import embed
from bastion.text.model import LABELS, TextModel, features, prepare
from bastion.training.copies import faith_swapped_copies, spaced_copies, training_copies
from bastion.training.corpus import TVEC, Corpus, read_corpus
from bastion.training.judged_rows import load_judgements
from bastion.training.labelled import read_labelled
from bastion.training.thresholds import flagged, thresholds_by_language
from bastion.training.tiers import fit, head_of

# A keyword filter of the kind small platforms run: names and words that co-occur with TVEC.
KEYWORDS = [
    "isis",
    "isil",
    "daesh",
    "islamic state",
    "caliphate",
    "khilafah",
    "mujahid",
    "jihad",
    "martyr",
    "shaheed",
    "kuffar",
    "kafir",
    "murtad",
    "baqiyah",
    "amaq",
    "wilayat",
    "dawla",
    "الدولة الإسلامية",
    "دولة الخلافة",
    "خلافة",
    "مجاهد",
    "المجاهدين",
    "الشهيد",
    "استشهاد",
    "جهاد",
    "الكفار",
    "المرتدين",
    "باقية",
    "ولاية",
    "غزوة",
]
_HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "i": "і"}
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}


def evade(text: str, rng: random.Random) -> str:
    """One of the tricks the normaliser folds, applied to every long word of the text."""
    trick = rng.choice(["space", "homoglyph", "leet", "zero_width", "repeat"])
    words = text.split(" ")
    for index, word in enumerate(words):
        if len(word) < 4 or not word.isalpha():
            continue
        if trick == "space":
            words[index] = " ".join(word)
        elif trick == "homoglyph":
            words[index] = "".join(_HOMOGLYPHS.get(c, c) for c in word)
        elif trick == "leet":
            words[index] = "".join(_LEET.get(c, c) for c in word)
        elif trick == "zero_width":
            words[index] = "\u200b".join(word)
        else:
            words[index] = re.sub(r"([aeiouا])", r"\1\1\1", word, count=1)
    return " ".join(words)


def speed(model: TextModel, texts: list[str]) -> None:
    sample = texts[:5000]
    features([prepare(sample[0])])  # warm up: compiled kernels load, character tables build (once per process)
    start = time.perf_counter()
    for offset in range(0, len(sample), 256):
        batch = [prepare(t) for t in sample[offset : offset + 256]]
        model.fast.probabilities(features(batch))
    fast_rate = len(sample) / (time.perf_counter() - start)
    embed(["warm up"])
    latencies = []
    for text in sample[:500]:
        start = time.perf_counter()
        model.deep.probabilities(embed([prepare(text)])) if model.deep else None
        latencies.append((time.perf_counter() - start) * 1000)
    p50, p99 = np.percentile(latencies, [50, 99])
    print(f"fast tier: {fast_rate:,.0f} texts/s on one core (normalise + features + linear layer, batches of 256)")
    print(f"deep tier: p50 {p50:.2f} ms, p99 {p99:.2f} ms per text (embedding + head, one text at a time)")


def evasion(model: TextModel, corpus: Corpus, raw_texts: list[str]) -> None:
    rng = random.Random(7)
    positives = np.flatnonzero(corpus.judged_tvec)
    plain = [raw_texts[i] for i in positives]
    perturbed = [evade(t, rng) for t in plain]
    langs = [corpus.langs[i] for i in positives]
    for name, texts in (("plain", plain), ("evaded", perturbed)):
        scores = model.score([prepare(t) for t in texts], langs)
        hits = [s.p_tvec >= model.threshold_for(lang) for s, lang in zip(scores, langs, strict=True)]
        print(f"packaged model (in sample), judged TVEC recall ({name}): {np.mean(hits):.3f} on {len(hits)} texts")


def evasion_out_of_fold(corpus: Corpus) -> None:
    """The fast tier on judged TVEC it never saw, plain and evaded (5-fold; per-language 1%-FPR thresholds
    from the plain out-of-fold scores), trained without and with spaced-out copies of its training TVEC."""
    rng = random.Random(7)
    positives = np.flatnonzero(corpus.judged_tvec)
    evaded_x = features([prepare(evade(corpus.originals[i], rng)) for i in positives])
    folds = np.random.default_rng(7).integers(0, 5, len(corpus.texts))
    X = corpus.X
    swapped_only = [faith_swapped_copies(corpus)]
    as_shipped = [spaced_copies(corpus), *swapped_only]
    for name, copies in (("without spaced copies", swapped_only), ("with spaced copies, as shipped", as_shipped)):
        plain, evaded = np.zeros(len(corpus.texts)), np.zeros(len(positives))
        for fold in range(5):
            held_out = folds == fold
            model = fit(X, corpus, ~held_out, 0.7, copies=copies)
            head = head_of(model, X.shape[1])  # read as the packaged model reads its fast tier
            plain[held_out] = head.probabilities(X[held_out])[:, TVEC]
            in_fold = held_out[positives]
            evaded[in_fold] = head.probabilities(evaded_x[in_fold])[:, TVEC]
        thresholds = thresholds_by_language(plain, corpus)
        limits = np.array([thresholds.get(lang, thresholds["*"]) for lang in corpus.langs[positives]])
        print(
            f"fast tier out of fold, {name}: judged TVEC recall plain {np.mean(plain[positives] >= limits):.3f}, "
            f"evaded {np.mean(evaded >= limits):.3f}",
            flush=True,
        )


_KEYWORD = re.compile("|".join(re.escape(k) for k in KEYWORDS), re.IGNORECASE)


def _tfidf() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=300_000)


def baselines(corpus: Corpus, raw_texts: list[str], quick: bool) -> np.ndarray:
    """Prints both baselines and the fast tier per scheme; returns TF-IDF's 5-fold scores."""
    strong_or_negative = corpus.strong | (corpus.labels != TVEC)
    y = (corpus.labels == TVEC).astype(int)
    keyword_scores = np.array([1.0 if _KEYWORD.search(t) else 0.0 for t in raw_texts])
    X = corpus.X
    copies = training_copies(corpus, embedder=None)
    schemes = {"5-fold": np.random.default_rng(7).integers(0, 5, len(y))}
    if not quick:
        schemes["leave-one-source-out"] = corpus.sources
    in_dev = np.zeros(len(y))
    for scheme, groups in schemes.items():
        tfidf_scores, bastion_scores = np.zeros(len(y)), np.zeros(len(y))
        for group in sorted(set(groups)):
            held_out = groups == group
            train_rows = ~held_out & strong_or_negative & corpus.strong
            vectorizer = _tfidf()
            train_matrix = vectorizer.fit_transform([raw_texts[i] for i in np.flatnonzero(train_rows)])
            if len(set(y[train_rows])) == 2:
                classifier = LogisticRegression(max_iter=2000, class_weight="balanced").fit(train_matrix, y[train_rows])
                tfidf_scores[held_out] = classifier.predict_proba(
                    vectorizer.transform([raw_texts[i] for i in np.flatnonzero(held_out)])
                )[:, 1]
            model = fit(X, corpus, ~held_out, 0.7, copies=copies)
            if TVEC in model.classes_:
                bastion_scores[held_out] = head_of(model, X.shape[1]).probabilities(X[held_out])[:, TVEC]
        for name, scores in (
            ("keyword list", keyword_scores),
            ("TF-IDF + LR", tfidf_scores),
            ("Bastion fast tier", bastion_scores),
        ):
            _report(f"{scheme:22s} {name:18s}", scores, corpus)
        if scheme == "5-fold":
            in_dev = tfidf_scores
    return in_dev


def outside(
    model: TextModel, corpus: Corpus, raw_texts: list[str], tfidf_in_dev: np.ndarray, paths: list[Path]
) -> None:
    """Each outside collection scored as the held-out judgement scores: lines drawn on dev."""
    train_rows = corpus.strong
    vectorizer = _tfidf()
    y = (corpus.labels == TVEC).astype(int)
    tfidf = LogisticRegression(max_iter=2000, class_weight="balanced").fit(
        vectorizer.fit_transform([raw_texts[i] for i in np.flatnonzero(train_rows)]), y[train_rows]
    )
    tfidf_lines = thresholds_by_language(tfidf_in_dev, corpus)
    for path in paths:
        rows = [row for _, row in read_labelled(path) if row["label"] in LABELS]
        texts = [row["text"] for row in rows]
        langs = [row.get("lang") or "und" for row in rows]
        labels = np.array([row["label"] for row in rows])
        bastion = model.score([prepare(text) for text in texts], langs)
        hits = {
            "keyword list": np.array([bool(_KEYWORD.search(text)) for text in texts]),
            "TF-IDF + LR": tfidf.predict_proba(vectorizer.transform(texts))[:, 1]
            >= np.array([tfidf_lines.get(lang, tfidf_lines["*"]) for lang in langs]),
            "Bastion (shipped)": np.array(
                [score.p_tvec >= model.threshold_for(lang) for score, lang in zip(bastion, langs, strict=True)]
            ),
        }
        for name, hit in hits.items():
            figures = (
                [f"recall {hit[labels == 'tvec'].mean():.3f} of {(labels == 'tvec').sum()}"] if "tvec" in labels else []
            )
            figures += [f"{label} FPR {hit[labels == label].mean():.3f}" for label in sorted(set(labels) - {"tvec"})]
            print(f"outside {path.name:22s} {name:18s} " + " ".join(figures), flush=True)


def _report(name: str, scores: np.ndarray, corpus: Corpus) -> None:
    thresholds = thresholds_by_language(scores, corpus) if len(set(scores)) > 2 else {"*": 0.5}
    hits = flagged(scores, corpus, thresholds)
    positive, negative = corpus.judged_tvec, corpus.negatives
    by_source = {s: hits[positive & (corpus.sources == s)].mean() for s in sorted(set(corpus.sources[positive]))}
    fpr = {
        label: hits[negative & (corpus.labels == i)].mean()
        for i, label in enumerate(("tvec", "news", "counter_speech", "religious"))
        if i
    }
    print(
        f"{name} recall {hits[positive].mean():.3f} (worst source {min(by_source.values()):.3f}) "
        f"FPR all {hits[negative].mean():.4f} " + " ".join(f"{label} {rate:.4f}" for label, rate in fpr.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/dev.jsonl"))
    parser.add_argument("--quick", action="store_true", help="5-fold only, skip leave-one-source-out")
    parser.add_argument("--outside", type=Path, nargs="*", default=[], help="labelled JSONL not in --data")
    args = parser.parse_args()
    corpus = read_corpus(args.data, judgements=load_judgements())  # as `bastion train` reads it
    model = TextModel.load()
    print(f"model {model.version}; {len(corpus.texts)} texts from {args.data}")
    speed(model, corpus.originals)
    evasion(model, corpus, corpus.originals)
    evasion_out_of_fold(corpus)
    tfidf_in_dev = baselines(corpus, corpus.originals, args.quick)
    if args.outside:
        outside(model, corpus, corpus.originals, tfidf_in_dev, args.outside)


if __name__ == "__main__":
    main()
