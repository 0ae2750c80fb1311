"""Sentence vectors kept between training runs: a rebuild on the same data re-embeds nothing.

Embedding is most of a run's first minutes (about 80,000 texts with the
`extra/` collections, some 450 a second on one busy core) and gives the same
vector for the same text every time, so `bastion train --embedding-cache DIR`
keeps each prepared text's vector under a digest of the text, in one file per
encoder. The file holds vectors and digests, never texts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bastion.text.embedding import DIMENSIONS, ENCODER, embed


class EmbeddingCache:
    """`embed`, remembering every vector it gave in `directory`."""

    def __init__(
        self, directory: Path, embedder: Callable[[Sequence[str]], np.ndarray] = embed, encoder: str = ENCODER
    ) -> None:
        # One file per encoder: the int8 encoder's vectors are close to the port's, not equal, so never shared.
        self.path = directory / f"{encoder}.npz"
        self._embed = embedder
        self._keys: list[str] = []
        self._vectors = np.zeros((0, DIMENSIONS), dtype=np.float32)
        if self.path.exists():
            with np.load(self.path) as saved:
                self._keys, self._vectors = [str(key) for key in saved["keys"]], saved["vectors"]
        self._row = {key: row for row, key in enumerate(self._keys)}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(text) for text in texts]
        missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in self._row}.items())
        if missing:
            vectors = self._embed([text for _, text in missing])
            for key, _ in missing:
                self._row[key] = len(self._keys)
                self._keys.append(key)
            self._vectors = np.concatenate([self._vectors, vectors])
            self._save()
        return self._vectors[[self._row[key] for key in keys]] if keys else np.zeros((0, DIMENSIONS), np.float32)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, keys=np.array(self._keys, dtype="U32"), vectors=self._vectors)
        partial.replace(self.path)  # a run stopped while saving leaves the last whole file


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
