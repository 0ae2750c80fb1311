"""The fast text tier: hashed character and word n-grams of normalised text, one linear layer.

Hashing keeps the artefact small and the vocabulary open (any script, any
spelling); character n-grams carry the model across languages and evasions
that the normaliser does not fold. The classes are the data's labels, so the
model says both how likely a text is TVEC and, when it is not, which
protected context it looks like.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from bastion.text.normalise import normalise_text

LABELS = ("tvec", "news", "counter_speech", "religious", "hate_not_tvec", "benign")
N_FEATURES = 2**18
MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "models" / "text"

# Links and mentions carry who-posts-what, not what is said; the training data
# already replaced them, and live text is made to look the same.
_LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_RETWEET = re.compile(r"^\s*rt\s+@user:?\s*", re.IGNORECASE)
_WORD = re.compile(r"\w+")

_CHARS = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=N_FEATURES, alternate_sign=False,
                           norm=None, lowercase=False)
_WORDS = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=N_FEATURES, alternate_sign=False,
                           norm=None, lowercase=False, token_pattern=r"(?u)\b\w+\b")


def prepare(text: str) -> str:
    """The text as the model reads it: normalised, with links and mentions made generic."""
    text = _MENTION.sub("@user", _LINK.sub("URL", text))
    return _RETWEET.sub("", normalise_text(text))


def features(prepared: Sequence[str]) -> sparse.csr_matrix:
    """Sublinear term frequencies of char and word n-grams, each block L2-normalised."""
    blocks = []
    for vectorizer in (_CHARS, _WORDS):
        counts = vectorizer.transform(prepared).astype(np.float32)
        counts.data = np.log1p(counts.data)
        blocks.append(normalize(counts))
    return sparse.hstack(blocks, format="csr")


@dataclass(frozen=True)
class TextModel:
    coef: np.ndarray  # (len(LABELS), 2 * N_FEATURES)
    intercept: np.ndarray  # (len(LABELS),)
    threshold: float  # P(tvec) at or above which the text is judged TVEC
    version: str
    metrics: dict[str, object]

    def probabilities(self, prepared: Sequence[str]) -> np.ndarray:
        logits = features(prepared) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def drivers(self, prepared: str, limit: int = 3) -> list[tuple[int, int, float]]:
        """The words of a prepared text that push hardest towards TVEC: (start, end, weight)."""
        words = list(_WORD.finditer(prepared))
        if not words:
            return []
        direction = self.coef[0] - self.coef[1:].mean(axis=0)
        weights = np.asarray(features([w.group() for w in words]) @ direction).ravel()
        ranked = sorted(zip(words, weights, strict=True), key=lambda pair: -pair[1])
        return [(w.start(), w.end(), float(weight)) for w, weight in ranked[:limit] if weight > 0]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / "weights.npz", coef=self.coef.astype(np.float16), intercept=self.intercept)
        meta = {"version": self.version, "threshold": self.threshold, "labels": LABELS,
                "n_features": N_FEATURES, "metrics": self.metrics}
        (directory / "model.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> TextModel:
        meta = json.loads((directory / "model.json").read_text())
        if tuple(meta["labels"]) != LABELS or meta["n_features"] != N_FEATURES:
            raise ValueError(f"the model in {directory} was built for other labels or features; run `bastion train`")
        with np.load(directory / "weights.npz") as weights:
            coef = weights["coef"].astype(np.float32)
            intercept = weights["intercept"].astype(np.float32)
        return cls(coef, intercept, float(meta["threshold"]), meta["version"], meta.get("metrics", {}))
