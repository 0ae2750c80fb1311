"""The fast text tier: hashed character and word n-grams of normalised text, one linear layer.

Hashing keeps the artefact small and the vocabulary open (any script, any
spelling); character n-grams carry the model across languages and evasions
that the normaliser does not fold. The classes are the data's labels, so the
model says both how likely a text is TVEC and, when it is not, which
protected context it looks like.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from bastion.text.faith_swaps import faith_neutral
from bastion.text.labels import LABELS
from bastion.text.ngrams import ngram_counts
from bastion.text.normalise import normalise_text
from bastion.text.scripts import script_line_key

if TYPE_CHECKING:
    from bastion.text.embedding import EncoderKind

N_FEATURES = 2**18
MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "models" / "text"

# Links and mentions carry who-posts-what, not what is said: each becomes one
# generic word (the shared data already wrote "URL" and "@user"; live text is
# made to look the same). A retweet marker says how a post was shared, and
# collections export it differently ("RT @user: …", "RT : …"): it is dropped.
_LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_RETWEET = re.compile(r"^\s*rt\b\s*(?:@\w+)?\s*:\s*", re.IGNORECASE)
# Exports escape what a post said: "&amp;", "&gt;", and numeric references whose
# ampersand another export turned into a space ("it #39;s"). A live post carries the
# plain character, so the model reads the plain character everywhere; otherwise
# "amp" and "39" become n-grams that tell one collection from another.
_STRIPPED_REFERENCE = re.compile(r"(?<![&\w])#(\d{2,5});")

_CHAR_NGRAMS = (2, 5)  # character n-grams within words; words give their 1- and 2-grams


def prepare(text: str) -> str:
    """The text as the model reads it: unescaped, normalised, with links and mentions made generic."""
    if "#" in text:  # most texts have neither: the checks keep this off the fast tier's bill
        text = _STRIPPED_REFERENCE.sub(r"&#\1;", text)
    if "&" in text:
        text = html.unescape(text)
    text = _MENTION.sub(" user ", _LINK.sub(" url ", _RETWEET.sub("", text)))
    return normalise_text(text)


def features(prepared: Sequence[str]) -> sparse.csr_matrix:
    """Sublinear term frequencies of char and word n-grams, each block L2-normalised."""
    indptr, indices, counts = ngram_counts(prepared, N_FEATURES, _CHAR_NGRAMS)
    values = np.log1p(counts.astype(np.float32))
    rows = np.repeat(np.arange(len(prepared)), np.diff(indptr))
    blocks = 2 * rows + (indices >= N_FEATURES)
    norms = np.sqrt(np.bincount(blocks, weights=values * values, minlength=2 * len(prepared)))
    values /= norms[blocks].astype(np.float32)
    return sparse.csr_matrix((values, indices, indptr), shape=(len(prepared), 2 * N_FEATURES))


def softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def one_vs_rest(logits: np.ndarray) -> np.ndarray:
    """Each label's own sigmoid, normalised to sum to one: how scikit-learn's SGD classifier, trained one
    label against the rest, reads its scores."""
    probabilities = 1.0 / (1.0 + np.exp(-np.clip(logits, -60.0, 60.0)))
    return probabilities / probabilities.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class LinearHead:
    """One linear layer over LABELS, read the way it was trained: jointly (softmax, the deep tier's
    multinomial regression) or one label against the rest (the fast tier's SGD)."""

    coef: np.ndarray  # (len(LABELS), dimensions)
    intercept: np.ndarray  # (len(LABELS),)
    trained_one_vs_rest: bool = False
    by_feature: np.ndarray = field(init=False, repr=False, compare=False)  # (dimensions, len(LABELS))

    def __post_init__(self) -> None:
        # `x @ coef.T` would copy the transposed weights (12 MB for the fast tier) on every call.
        object.__setattr__(self, "by_feature", np.ascontiguousarray(self.coef.T))

    def probabilities(self, x: np.ndarray | sparse.csr_matrix) -> np.ndarray:
        logits = np.asarray(x @ self.by_feature) + self.intercept
        return one_vs_rest(logits) if self.trained_one_vs_rest else softmax(logits)


@dataclass(frozen=True)
class TextScore:
    """What the text tiers said about one text."""

    p_tvec: float  # the score the verdict carries
    p_fast: float
    p_deep: float | None  # None when the fast tier was sure enough
    probabilities: dict[str, float]
    deep_only: bool = False  # the text's language is one the deep tier judges alone

    @property
    def tier(self) -> str:
        if self.deep_only:
            return "deep_only"
        return "fast" if self.p_deep is None else "deep"


def cascade(
    p_fast: np.ndarray, p_deep: np.ndarray, deep_from: float, deep_weight: float, alone: np.ndarray | None = None
) -> np.ndarray:
    """The combined score: where the deep tier ran, the weighted mean of both tiers; elsewhere the
    fast tier's share alone, treating a text the fast tier dismissed as one the deep tier would
    call clean, so scores from both paths sit on one scale. Texts marked `alone` (route
    languages) take the deep tier's score as it is."""
    fast_share = (1 - deep_weight) * p_fast
    combined = np.where(p_fast >= deep_from, fast_share + deep_weight * p_deep, fast_share)
    return combined if alone is None else np.where(alone, p_deep, combined)


@dataclass(frozen=True)
class DeepRoute:
    """Languages the deep tier judges alone: ones its multilingual encoder reads but in which the fast
    tier never saw judged TVEC. There the fast tier's n-grams only say how much a text looks like the
    languages it was taught, so its score would judge the language, not what is said; the encoder's
    one space for all its languages carries what the deep tier learnt across them."""

    languages: frozenset[str]
    thresholds: dict[str, float]  # on the deep tier's P(tvec); "*" for route languages without their own

    def threshold_for(self, lang: str) -> float:
        return self.thresholds.get(lang, self.thresholds["*"])

    def as_json(self) -> dict[str, object]:
        return {"languages": sorted(self.languages), "thresholds": self.thresholds}

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> DeepRoute:
        return cls(frozenset(spec["languages"]), {lang: float(t) for lang, t in spec["thresholds"].items()})


def line_for(lang: str | None, thresholds: dict[str, float], route: DeepRoute | None) -> float:
    """The threshold a text in `lang` is judged at (see `line_key`)."""
    key = line_key(lang, thresholds, route)
    return route.threshold_for(str(lang)) if route is not None and key.startswith("route") else thresholds[key]


def named_lines(thresholds: dict[str, float], route: DeepRoute | None) -> dict[str, float]:
    """Every line by the name `line_key` gives it: the cascade's ("en", "*Arab", "*") and the route's
    ("route:fr", "route:*")."""
    return thresholds | {f"route:{key}": line for key, line in (route.thresholds if route else {}).items()}


def line_key(lang: str | None, thresholds: dict[str, float], route: DeepRoute | None) -> str:
    """Whose line a text in `lang` is judged at: the route's in its languages ("route:fr", "route:*"),
    elsewhere the cascade's for the language itself, else for its script (`bastion.text.scripts`:
    "*Arab" for Urdu), else the reference ("*")."""
    if route is not None and lang in route.languages:
        return f"route:{lang if lang in route.thresholds else '*'}"
    if lang in thresholds:
        return str(lang)
    script = script_line_key(lang)
    return script if script in thresholds else "*"


@dataclass(frozen=True)
class TextModel:
    """The fast tier on every text, the deeper tier on the texts it is unsure of."""

    fast: LinearHead  # over hashed n-grams
    deep: LinearHead | None  # over multilingual sentence embeddings
    deep_from: float  # fast P(tvec) at or above which the deep tier is consulted
    thresholds: dict[str, float]  # combined P(tvec) judged TVEC, per language; "*" for the rest
    version: str
    metrics: dict[str, object]
    deep_weight: float = 0.5  # the deep tier's share of the combined score, chosen by `bastion train`
    route: DeepRoute | None = None  # languages the deep tier judges alone
    # The deep tier reads each text as its faith orbit's mean vector (`faith_neutral`), as every model
    # trained since 2026-12-07 learnt it; older models learnt, and are read on, the text's own vector.
    faith_neutral: bool = False
    encoder: EncoderKind = "numpy"  # the deep tier's (Settings.deep_tier_encoder); not saved with the model
    # The head that judges the route's languages: one that learnt without the directions in which the encoder
    # tells languages apart (`bastion.training.language_neutral`), so a text is not judged by its language.
    # None: the deep head judges them too, as in models trained before 2026-12-07.
    route_deep: LinearHead | None = None

    @property
    def _route(self) -> DeepRoute | None:
        """The route where there is a deep tier to take it."""
        return self.route if self.deep is not None else None

    def deep_only(self, lang: str | None) -> bool:
        return self._route is not None and lang in self._route.languages

    def threshold_for(self, lang: str | None) -> float:
        return line_for(lang, self.thresholds, self._route)

    def line_of(self, lang: str | None) -> str:
        return line_key(lang, self.thresholds, self._route)

    def score(self, prepared: Sequence[str], langs: Sequence[str | None] | None = None) -> list[TextScore]:
        """Each text's scores; `langs` (one per text) sends texts in route languages to the deep tier alone."""
        if not prepared:
            return []
        fast = self.fast.probabilities(features(prepared))
        p_fast = fast[:, 0]
        deep = np.zeros_like(fast)
        alone = np.array([self.deep_only(lang) for lang in langs or [None] * len(prepared)], dtype=bool)
        went_deep = np.zeros(len(prepared), dtype=bool) if self.deep is None else self._unsure(p_fast) | alone
        if self.deep is not None and went_deep.any():
            unsure = np.flatnonzero(went_deep)
            texts = [prepared[int(i)] for i in unsure]
            vectors = (
                faith_neutral(texts, [langs[int(i)] if langs else None for i in unsure], self._embed)
                if self.faith_neutral
                else self._embed(texts)
            )
            deep[unsure] = self.deep.probabilities(vectors)
            routed = alone[unsure]
            if self.route_deep is not None and routed.any():
                deep[unsure[routed]] = self.route_deep.probabilities(vectors[routed])
        p_tvec = p_fast if self.deep is None else cascade(p_fast, deep[:, 0], self.deep_from, self.deep_weight, alone)
        mixed = np.where(went_deep[:, None], (1 - self.deep_weight) * fast + self.deep_weight * deep, fast)
        mixed = np.where(alone[:, None], deep, mixed)
        return [
            TextScore(
                p_tvec=float(p_tvec[row]),
                p_fast=float(p_fast[row]),
                p_deep=float(deep[row, 0]) if went_deep[row] else None,
                probabilities={label: round(float(p), 4) for label, p in zip(LABELS, mixed[row], strict=True)},
                deep_only=bool(alone[row]),
            )
            for row in range(len(prepared))
        ]

    def _embed(self, texts: list[str]) -> np.ndarray:
        from bastion.text.embedding import embed

        return embed(texts, self.encoder)

    def _unsure(self, p_fast: np.ndarray) -> np.ndarray:
        """Texts the cascade hands to the deep tier: none when its share is 0 (it may still judge a route)."""
        return p_fast >= self.deep_from if self.deep_weight > 0 else np.zeros(len(p_fast), dtype=bool)

    def drivers(self, words: Sequence[str], limit: int = 3) -> list[tuple[int, float]]:
        """Indices of the words that push hardest towards TVEC, with their weights."""
        if not words:
            return []
        direction = self.fast.coef[0] - self.fast.coef[1:].mean(axis=0)
        weights = np.asarray(features(words) @ direction).ravel()
        ranked = sorted(enumerate(weights), key=lambda pair: -pair[1])
        return [(index, float(weight)) for index, weight in ranked[:limit] if weight > 0]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {"fast_coef": self.fast.coef.astype(np.float16), "fast_intercept": self.fast.intercept}
        if self.deep is not None:
            arrays |= {"deep_coef": self.deep.coef, "deep_intercept": self.deep.intercept}
        if self.route_deep is not None:
            arrays |= {"route_coef": self.route_deep.coef, "route_intercept": self.route_deep.intercept}
        np.savez_compressed(directory / "weights.npz", allow_pickle=False, **arrays)
        meta = {
            "version": self.version,
            "thresholds": self.thresholds,
            "deep_from": self.deep_from,
            "deep_weight": self.deep_weight,
            "fast_one_vs_rest": self.fast.trained_one_vs_rest,
            "labels": LABELS,
            "n_features": N_FEATURES,
            "metrics": self.metrics,
            "deep_route": None if self.route is None else self.route.as_json(),
            "deep_faith_neutral": self.faith_neutral,
        }
        (directory / "model.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> TextModel:
        meta = json.loads((directory / "model.json").read_text())
        if tuple(meta["labels"]) != LABELS or meta["n_features"] != N_FEATURES:
            raise ValueError(f"the model in {directory} was built for other labels or features; run `bastion train`")
        with np.load(directory / "weights.npz") as weights:
            fast = LinearHead(
                weights["fast_coef"].astype(np.float32),
                weights["fast_intercept"].astype(np.float32),
                bool(meta.get("fast_one_vs_rest", False)),  # models saved before it was recorded were read by softmax
            )
            deep = (
                LinearHead(weights["deep_coef"].astype(np.float32), weights["deep_intercept"].astype(np.float32))
                if "deep_coef" in weights
                else None
            )
            route_deep = (
                LinearHead(weights["route_coef"].astype(np.float32), weights["route_intercept"].astype(np.float32))
                if "route_coef" in weights
                else None
            )
        return cls(
            fast,
            deep,
            float(meta["deep_from"]),
            meta["thresholds"],
            meta["version"],
            meta.get("metrics", {}),
            float(meta.get("deep_weight", 0.5)),
            DeepRoute.from_json(meta["deep_route"]) if meta.get("deep_route") else None,
            faith_neutral=bool(meta.get("deep_faith_neutral", False)),
            route_deep=route_deep,
        )
