"""The deep tier's encoders side by side: the numpy port against an ONNX graph (`deep_tier_encoder`).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/deep_encoder.py [--data ../shared/data] [--speed-texts 1024]
        [--against onnx-float32 | onnx-int8]

On the texts the packaged model sends to the deep tier (dev.jsonl and extra/*.jsonl, language as langid
tells it): cosine of the two encoders' vectors (min, p1, median), how many texts change verdict (p_tvec
crossing its language's line) and the max / p99 change in p_deep; then CPU ms per text (one thread) in
batches of 16 and 256 on a random sample of them. Prints; copy the figures into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from bastion.text.embedding import embed
from bastion.text.langid import identify_language
from bastion.text.model import TextModel, cascade, features, prepare


def deep_tier_texts(data: Path, model: TextModel) -> tuple[list[str], list[str], np.ndarray]:
    """The prepared texts the packaged model embeds, their languages and their fast-tier P(tvec)."""
    files = [data / "dev.jsonl", *sorted((data / "extra").glob("*.jsonl"))]
    texts = [json.loads(line)["text"] for file in files for line in file.open()]
    prepared = [prepare(text) for text in texts]
    langs = [identify_language(text) for text in texts]
    p_fast = model.fast.probabilities(features(prepared))[:, 0]
    went = (p_fast >= model.deep_from) | np.array([model.deep_only(lang) for lang in langs])
    keep = np.flatnonzero(went)
    return [prepared[i] for i in keep], [langs[i] for i in keep], p_fast[keep]


def agreement(model: TextModel, texts: list[str], langs: list[str], p_fast: np.ndarray, other: str) -> None:
    alone = np.array([model.deep_only(lang) for lang in langs])
    lines = np.array([model.threshold_for(lang) for lang in langs])
    vectors, p_deep, verdicts = {}, {}, {}
    for kind in ("numpy", other):
        started = time.process_time()
        vectors[kind] = embed(texts, kind)  # type: ignore[arg-type]
        print(f"{kind}: {time.process_time() - started:.1f} s CPU for {len(texts)} deep-tier texts")
        p_deep[kind] = model.deep.probabilities(vectors[kind])[:, 0]  # type: ignore[union-attr]
        p_tvec = cascade(p_fast, p_deep[kind], model.deep_from, model.deep_weight, alone)
        verdicts[kind] = p_tvec >= lines
    cosine = (vectors["numpy"] * vectors[other]).sum(axis=1)
    changed = int((verdicts["numpy"] != verdicts[other]).sum())
    moved = np.abs(p_deep["numpy"] - p_deep[other])
    print(f"largest difference in a vector component {np.abs(vectors['numpy'] - vectors[other]).max():.2e}")
    print(f"cosine min {cosine.min():.4f} p1 {np.percentile(cosine, 1):.4f} median {np.median(cosine):.5f}")
    print(f"verdicts changed {changed} of {len(texts)} ({changed / len(texts):.3%})")
    print(f"p_deep change max {moved.max():.4f} p99 {np.percentile(moved, 99):.4f}")


def speed(texts: list[str], sample: int, other: str) -> None:
    chosen = [texts[i] for i in np.random.default_rng(1).choice(len(texts), min(sample, len(texts)), replace=False)]
    for kind in ("numpy", other):
        embed(chosen[:64], kind)  # type: ignore[arg-type]  # load and warm
    for batch in (1, 4, 16, 256):
        for kind in ("numpy", other):
            cpu, wall = time.process_time(), time.perf_counter()
            for start in range(0, len(chosen), batch):
                embed(chosen[start : start + batch], kind)  # type: ignore[arg-type]
            cpu_ms = 1e3 * (time.process_time() - cpu) / len(chosen)
            wall_ms = 1e3 * (time.perf_counter() - wall) / len(chosen)
            print(f"batch {batch:3d} {kind:12s}: {cpu_ms:.3f} ms CPU a text ({wall_ms:.3f} wall)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--speed-texts", type=int, default=1024)
    parser.add_argument("--against", choices=["onnx-float32", "onnx-int8"], default="onnx-float32")
    args = parser.parse_args()
    model = TextModel.load()
    texts, langs, p_fast = deep_tier_texts(args.data, model)
    speed(texts, args.speed_texts, args.against)
    agreement(model, texts, langs, p_fast, args.against)


if __name__ == "__main__":
    main()
