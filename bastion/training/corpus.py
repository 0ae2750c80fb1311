"""The labelled rows training reads: whose label each is, and which rows are measured.

A row's `basis` says how its label was given: by a person reading the text
(`text`, `curated`: every figure and line is drawn on these), by the offline
judge reading it (`judge`, `bastion.training.judged_rows`: taught, never
measured), or by the account that posted it (`account`: taught only as a
teacher's pseudo-label). Where a person's label and another cover the same
text, the person's wins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from bastion.text.faith_swaps import faith_terms
from bastion.text.model import LABELS, features, prepare
from bastion.training.judged_rows import JUDGE_BASIS, Judgement, with_judgements
from bastion.training.labelled import LabelledFileError, read_labelled

TVEC = 0  # the index of "tvec" in LABELS
STRONG_BASES = {"text", "curated"}  # a person's label: what figures are measured on
TAUGHT_BASES = STRONG_BASES | {JUDGE_BASIS}  # labels given by reading the text: what the tiers learn as judged


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
    unknown_labels: dict[str, int] = field(default_factory=dict)  # rows left out: their label is no class
    row_weights: np.ndarray | None = None  # each row's own training weight (the file's `weight`), 1 when absent

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
    every = [row for path in as_paths(paths) for _, row in read_labelled(path)]
    unknown = Counter(str(row["label"]) for row in every if row["label"] not in LABELS)
    rows = with_judgements([row for row in every if row["label"] in LABELS], judgements or {})
    if (
        not any(r["label"] == LABELS[TVEC] and r.get("basis", "text") in STRONG_BASES for r in rows)
        or len({r["label"] for r in rows}) < 2
    ):
        raise LabelledFileError(f"{paths}: needs rows a person judged TVEC and rows of at least one other label")
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
        unknown_labels=dict(unknown.most_common()),
        row_weights=np.array([float(r.get("weight", 1.0)) for r in rows], dtype=np.float32),
    )


def _judged_without_worship(rows: list[dict[str, Any]], texts: list[str]) -> list[str]:
    """The offline judge's rows with their words of worship taken out. Supporters wrap praise of attacks
    in prayer formulae, so the judge's TVEC says "Allahu akbar" far more often than any negative in the
    data does; learnt as they stand, they taught both tiers that the formula is evidence (faith probes:
    "Allahu akbar, my daughter was born" 0.27, with "God is great" 0.10). Without them, these rows teach
    only what they say; a person's rows keep their words and their swapped copies."""
    terms = faith_terms()
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


def as_paths(paths: Path | Sequence[Path]) -> list[Path]:
    return [paths] if isinstance(paths, Path) else list(paths)
