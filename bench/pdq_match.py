"""PDQ matching at millions of entries: Bastion's index beside python-threatexchange's, in one run.

    .venv/bin/pip install threatexchange   # the peer, for this bench only
    .venv/bin/python bench/pdq_match.py --sizes 1000000 10000000 [--queries 2000]

For each bank size and shape (uniformly random hashes; clustered hashes, as real
banks of re-encoded near-duplicates are; `images`: PDQ hashes of made-up posters
and four transformed copies of each, queried with other copies and with posters
never banked), it prints build time, resident memory,
single-query p50/p99 on one core, batch throughput, and recall at distance 31
against an exact brute-force scan of the same queries. Half the queries are
planted near-duplicates (up to 31 bits flipped), half are random.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from bastion.banks import index as index_module
from bastion.banks.index import PdqIndex

RADIUS = 31


def _image_hashes(seeds_and_variants: list[tuple[int, int]]) -> list[bytes]:
    """PDQ of made-up posters (variant 0) and of transformed copies (1-4), as raw 32-byte hashes."""
    import io

    from PIL import Image, ImageOps

    from bastion.demo import demo_poster
    from bastion.media.hashing import pdq_of_image

    out = []
    for seed, variant in seeds_and_variants:
        image = demo_poster(seed, (256, 256), f"DAWN {seed % 97}")
        if variant == 1:
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=30 + seed % 50)
            image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
        elif variant == 2:
            image = image.crop((seed % 9, seed % 7, 256 - seed % 5, 256 - seed % 11))
        elif variant == 3:
            image = image.resize((160 + seed % 60, 160 + seed % 60))
        elif variant == 4:
            image = ImageOps.grayscale(image).convert("RGB")
        digest, _ = pdq_of_image(image)
        out.append(bytes.fromhex(digest))
    return out


def image_bank(size: int, first_seed: int, copies: bool) -> np.ndarray:
    """Hashes of generated images: originals and, with `copies`, four transformed copies of each."""
    from concurrent.futures import ProcessPoolExecutor

    variants = 5 if copies else 1
    jobs = [(seed, v) for seed in range(first_seed, first_seed + -(-size // variants)) for v in range(variants)][:size]
    chunks = [jobs[i : i + 2000] for i in range(0, len(jobs), 2000)]
    with ProcessPoolExecutor(2) as pool:
        hashes = [h for chunk in pool.map(_image_hashes, chunks) for h in chunk]
    return np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(-1, 32).copy()


def bank_of(size: int, shape: str, rng: np.random.Generator) -> np.ndarray:
    if shape == "images":  # minutes to make at a million: kept between runs
        cached = Path(tempfile.gettempdir()) / f"bastion-bench-image-hashes-{size}.npy"
        if not cached.exists():
            np.save(cached, image_bank(size, 0, copies=True))
        return np.load(cached)
    if shape == "random":
        return rng.integers(0, 256, (size, 32), dtype=np.uint8)
    # Many copies of fewer originals, each copy a few bits away: what a bank of reposts looks like.
    originals = rng.integers(0, 256, (max(1, size // 50), 32), dtype=np.uint8)
    copies = originals[rng.integers(0, len(originals), size)]
    for start in range(0, size, 1 << 20):  # noise a block at a time: 10M x 256 floats would be 20 GB
        block = copies[start : start + (1 << 20)]
        block ^= np.packbits(rng.random((len(block), 256)) < 0.03, axis=1)
    return copies


def queries_for(bank: np.ndarray, count: int, shape: str, rng: np.random.Generator) -> np.ndarray:
    if shape == "images":  # other copies of banked posters, and posters never banked
        seeds = rng.integers(0, len(bank) // 5, count // 2)
        planted = np.frombuffer(b"".join(_image_hashes([(int(s), 1 + int(s) % 4) for s in seeds])), np.uint8)
        unseen = image_bank(count - len(seeds), 10_000_000, copies=False)
        return np.concatenate([planted.reshape(-1, 32), unseen])
    planted = bank[rng.integers(0, len(bank), count // 2)].copy()
    for row in planted:
        bits = rng.choice(256, int(rng.integers(0, RADIUS + 1)), replace=False)
        for bit in bits:
            row[bit // 8] ^= 1 << (7 - bit % 8)
    random = rng.integers(0, 256, (count - len(planted), 32), dtype=np.uint8)
    return np.concatenate([planted, random])


def brute_force(columns: np.ndarray, query: np.ndarray) -> set[int]:
    """Every row within RADIUS, by a plain numpy popcount over the whole bank (independent of both indexes)."""
    distances = np.zeros(columns.shape[1], dtype=np.uint16)
    for column, word in zip(columns, query.view(np.uint64), strict=True):
        distances += np.bitwise_count(column ^ word)
    return set(np.flatnonzero(distances <= RADIUS).tolist())


def rss_mb() -> float:
    """Resident memory now (peak RSS would carry over from one bank to the next)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def timed_queries(query_one, hexes: list[str]) -> tuple[float, float, list]:  # type: ignore[no-untyped-def]
    latencies, answers = [], []
    for h in hexes:
        start = time.perf_counter()
        answers.append(query_one(h))
        latencies.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99)), answers


def bench_bastion(bank: np.ndarray, hexes: list[str], truth: list[set[int]], label: str) -> None:
    before = rss_mb()
    start = time.perf_counter()
    index = PdqIndex()
    index.add(list(range(len(bank))), [row.tobytes().hex() for row in bank])
    index.compact()  # waits for the rebuild the add started in the background
    build = time.perf_counter() - start
    gc.collect()
    memory = rss_mb() - before
    p50, p99, answers = timed_queries(lambda h: index.near([h], RADIUS)[0], hexes)
    start = time.perf_counter()
    index.near(hexes, RADIUS)
    batch = len(hexes) / (time.perf_counter() - start)
    recall = _recall([{i for i, _ in a} for a in answers], truth)
    print(
        f"  bastion  {label}: build {build:6.1f} s  +{memory:6.0f} MB RSS  "
        f"p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  batch {batch:8.0f} q/s  recall {recall:.4f}",
        flush=True,
    )


def bench_pytx(bank: np.ndarray, hexes: list[str], truth: list[set[int]], label: str) -> None:
    try:
        import faiss
        from threatexchange.signal_type.pdq.pdq_index import PDQIndex
    except ImportError:
        print("  pytx     (not installed: pip install threatexchange)")
        return
    faiss.omp_set_num_threads(1)
    before = rss_mb()
    start = time.perf_counter()
    index = PDQIndex.build((row.tobytes().hex(), i) for i, row in enumerate(bank))
    build = time.perf_counter() - start
    gc.collect()
    memory = rss_mb() - before
    p50, p99, answers = timed_queries(index.query, hexes)
    recall = _recall([{m.metadata for m in a} for a in answers], truth)
    print(
        f"  pytx     {label}: build {build:6.1f} s  +{memory:6.0f} MB RSS  "
        f"p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  {'':19s}recall {recall:.4f}",
        flush=True,
    )


def _recall(found: list[set[int]], truth: list[set[int]]) -> float:
    relevant = sum(len(t) for t in truth)
    return sum(len(f & t) for f, t in zip(found, truth, strict=True)) / relevant if relevant else 1.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--shapes", nargs="+", default=["random", "clustered"])
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--substrings", type=int, choices=[16, 12, 11], help="force the index's shape at any size")
    args = parser.parse_args()
    if args.substrings:
        index_module._SHAPES = ((0, args.substrings),)
    rng = np.random.default_rng(7)
    for size in args.sizes:
        for shape in args.shapes:
            bank = bank_of(size, shape, rng)
            queries = queries_for(bank, args.queries, shape, rng)
            columns = np.ascontiguousarray(np.ascontiguousarray(bank).view(np.uint64).reshape(-1, 4).T)
            truth = [brute_force(columns, q) for q in queries]
            del columns
            hexes = [q.tobytes().hex() for q in queries]
            label = f"{size:>10,} {shape:9s}"
            print(f"{label}: {sum(map(len, truth))} true matches among {len(hexes)} queries", flush=True)
            bench_bastion(bank, hexes, truth, label)
            if not args.no_peer:
                bench_pytx(bank, hexes, truth, label)
            del bank
            gc.collect()


if __name__ == "__main__":
    main()
