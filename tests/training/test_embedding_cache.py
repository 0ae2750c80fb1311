"""Sentence vectors kept between training runs: the same vector for the same text, each text embedded once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bastion.text.embedding import DIMENSIONS, ENCODER_NAMES
from bastion.training.embedding_cache import EmbeddingCache


class _Counting:
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += texts
        return np.array([[len(text)] * DIMENSIONS for text in texts], dtype=np.float32)


def test_a_second_run_embeds_only_the_texts_it_has_not_seen(tmp_path: Path) -> None:
    first, second = _Counting(), _Counting()
    before = EmbeddingCache(tmp_path, first)(["a short text", "another one", "a short text"])

    after = EmbeddingCache(tmp_path, second)(["another one", "a new text", "a short text"])

    assert first.embedded == ["a short text", "another one"] or sorted(first.embedded) == [
        "a short text",
        "another one",
    ]
    assert second.embedded == ["a new text"]
    assert after[0, 0] == before[1, 0] == len("another one") and after[2, 0] == before[0, 0]
    assert not list(tmp_path.glob("*.partial.npz"))


def test_another_encoder_never_reads_the_ports_vectors(tmp_path: Path) -> None:
    port, int8 = _Counting(), _Counting()
    EmbeddingCache(tmp_path, port)(["a short text"])

    EmbeddingCache(tmp_path, int8, encoder=ENCODER_NAMES["onnx-int8"])(["a short text"])

    assert int8.embedded == ["a short text"]  # close to the port's vector is not the port's vector
    assert sorted(path.name for path in tmp_path.glob("*.npz")) == [
        f"{ENCODER_NAMES['onnx-int8']}.npz",
        f"{ENCODER_NAMES['numpy']}.npz",
    ]
