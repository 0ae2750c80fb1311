"""Language identification, offline (py3langid's bundled model).

Short or mixed texts are reported as `und` (undetermined) rather than
guessed: a wrong language is worse than none, because per-language lists
and per-language metrics would then silently apply to the wrong text.

The model is py3langid's, and so is the arithmetic (its `classify` with
`norm_probs`): a walk over the text's bytes finds its features, and a naive
Bayes sum over them scores each language. Two things are done for less:
the walk is compiled (numba), and the class table is held in float32 instead
of float16 (+28 MB per process), which numpy multiplied without BLAS, a
value at a time. Together they took identification from 67-79 to 33-50 µs
of CPU for a short post, and from 181-212 to 72-114 µs for a text of dev
(docs/benchmarks.md); the language and the confidence are py3langid's, bit
for bit (tests/text/test_langid.py).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from itertools import islice

import numpy as np
from numba import njit
from py3langid.langid import MODEL_DIR, MODEL_FILE
from py3langid.modelio import load_model

UNDETERMINED = "und"
_MIN_CONFIDENCE = 0.5
_MIN_LETTERS = 8
_NOISE = re.compile(r"\bURL\b|@\w+|https?://\S+|#", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]")
# Varieties the model tells apart that Bastion's lists and metrics treat as one language.
_MACRO = {"arz": "ar", "nb": "no", "nn": "no", "ms": "id"}


def identify_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or `und` when it cannot be told reliably."""
    cleaned = _NOISE.sub(" ", text)
    if len(list(islice(_LETTERS.finditer(cleaned), _MIN_LETTERS))) < _MIN_LETTERS:  # not all 99,000 of them
        return UNDETERMINED
    lang, confidence = classify(cleaned)
    if confidence < _MIN_CONFIDENCE:
        return UNDETERMINED
    return _MACRO.get(lang, lang)


def classify(text: str) -> tuple[str, float]:
    """The most likely of the model's languages and its probability, as py3langid's `classify` gives them."""
    model = _model()
    if text.isupper():
        text = text.lower()
    data = unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
    bytes_ = np.frombuffer(data, dtype=np.uint8)
    features, counts = _walk(bytes_, model.next_state, model.row_base, model.feature_of_state, _scratch(model))
    if len(features):
        scores = np.log1p(counts) @ model.class_table[features] + model.class_prior
    else:  # nothing to go on: every language alike, which is under any confidence asked for
        scores = np.zeros(len(model.classes), dtype=np.float32)
    scores *= 1.0 / math.sqrt(len(data) or 1)  # py3langid's temperature: keeps long texts calibrated
    np.exp(scores - scores.max(), out=scores)
    scores /= scores.sum()
    for first, alias in model.alias_pairs:  # one label in two columns (a script variant): one score
        scores[first] += scores[alias]
        scores[alias] = 0.0
    best = int(scores.argmax())
    return model.classes[best], float(scores[best])


@dataclass(frozen=True)
class _Model:
    next_state: np.ndarray  # the byte automaton: state row base + byte -> state
    row_base: np.ndarray
    feature_of_state: np.ndarray  # -1 where a state ends no feature
    class_table: np.ndarray  # features x languages, log probabilities (float32)
    class_prior: np.ndarray
    classes: list[str]
    alias_pairs: list[tuple[int, int]]


@cache
def _model() -> _Model:
    table, prior, classes, next_state, rows, outputs = load_model(MODEL_DIR / MODEL_FILE)
    first_column: dict[str, int] = {}
    aliases = []
    for column, label in enumerate(classes):
        if label in first_column:
            aliases.append((first_column[label], column))
        else:
            first_column[label] = column
    return _Model(
        np.asarray(next_state, dtype=np.uint32),
        np.asarray(rows, dtype=np.int64) << 8,
        np.asarray(outputs, dtype=np.int32),
        np.asarray(table, dtype=np.float32),
        np.asarray(prior, dtype=np.float32),
        list(classes),
        aliases,
    )


_threads = threading.local()


def _scratch(model: _Model) -> np.ndarray:
    """Each feature's place in the text being read (-1: not seen), one array per thread: checks run on several."""
    scratch: np.ndarray | None = getattr(_threads, "places", None)
    if scratch is None:
        scratch = _threads.places = np.full(len(model.class_table), -1, dtype=np.int32)
    return scratch


@njit(cache=True, nogil=True)
def _walk(
    data: np.ndarray, next_state: np.ndarray, row_base: np.ndarray, feature_of_state: np.ndarray, places: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled; held to py3langid by the tests
    """The features the bytes pass through and how often, in the order first met (the order py3langid sums them
    in, so the float sums are the same); `places` is left as it was found."""
    features = np.empty(len(data), dtype=np.int64)
    counts = np.empty(len(data), dtype=np.float32)
    found = 0
    state = 0
    for byte in data:
        state = next_state[row_base[state] + byte]
        feature = feature_of_state[state]
        if feature < 0:
            continue
        place = places[feature]
        if place < 0:
            places[feature] = found
            features[found] = feature
            counts[found] = 1.0
            found += 1
        else:
            counts[place] += 1.0
    for i in range(found):
        places[features[i]] = -1
    return features[:found], counts[:found]
