"""The deep tier's encoder through onnxruntime (`deep_tier_encoder`: "onnx-float32", the default, or "onnx-int8").

The same USE multilingual v3 forward pass as the numpy port, from the same weights: tokenizer and
embedding table are the port's (`NumpyBackend`), and everything after the lookup is one ONNX graph
built by `scripts/build_deep_encoder.py`. In float32 the graph does the port's arithmetic in
onnxruntime's kernels, which stream the weights once per run at less cost: its vectors are the port's to
float rounding. In int8 its convolutions multiply in int8: its vectors are not the port's bit for bit
(cosine ≥ 0.999 on the shared data), and a model trained on one must be served with the same one,
hence its own name in `embedding.ENCODER_NAMES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime

from bastion.text.embedding import DIMENSIONS

MODELS = Path(__file__).resolve().parents[1] / "data" / "models" / "deep-encoder"
_CHUNKS = 17  # the port's table interleaves 17 uint8 blocks, each with its own scale and offset
# Tokens per graph run: as the port (its working set stays cache-sized, and short texts share a run).
_TOKEN_BUDGET = 384


class OnnxEncoder:
    def __init__(self, port: Any, precision: str, models: Path = MODELS) -> None:
        model_file = models / f"use-m3-{precision}.onnx"
        if not model_file.exists():
            raise FileNotFoundError(
                f"the deep-tier encoder {model_file} is missing: build it with `python scripts/build_deep_encoder.py "
                f"--precision {precision}` (extra `build`), or set BASTION_DEEP_TIER_ENCODER=numpy"
            )
        self._port = port
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # as the port's one BLAS thread: the service runs a request per core
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        group: list[list[int]] = []
        first = n_tokens = 0
        for i, text in enumerate(texts):
            ids = self._port.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > _TOKEN_BUDGET:
                out[first:i] = self._run(group, n_tokens)
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            out[first:] = self._run(group, n_tokens)
        return out

    def _run(self, group: list[list[int]], n_tokens: int) -> np.ndarray:
        lengths = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        chunk = flat % _CHUNKS
        segments = np.zeros((len(group), n_tokens), dtype=np.float32)
        segments[np.repeat(np.arange(len(group)), lengths), np.arange(n_tokens)] = 1.0
        inputs = {
            "tokens": self._port.table[flat],
            "row_scale": self._port.scale[chunk, None],
            "row_lo": self._port.lo[chunk, None],
            "window": self._port._window_index(starts, lengths, n_tokens),
            "segments": segments,
            "lengths": lengths.astype(np.float32)[:, None],
        }
        vectors: np.ndarray = self._session.run(["vectors"], inputs)[0]
        return vectors
