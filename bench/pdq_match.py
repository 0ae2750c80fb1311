"""PDQ matching at millions of entries: Bastion's index beside python-threatexchange's, in one run.

    .venv/bin/pip install threatexchange   # the peer, for this bench only
    .venv/bin/python bench/pdq_match.py --sizes 1000000 10000000 [--queries 2000]

For each bank size and shape (uniformly random hashes; clustered hashes, as real
banks of re-encoded near-duplicates are), it prints build time, resident memory,
single-query p50/p99 on one core, batch throughput, and recall at distance 31
against an exact brute-force scan of the same queries. Half the queries are
planted near-duplicates (up to 31 bits flipped), half are random.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from bastion.banks.index import PdqIndex

RADIUS = 31


def bank_of(size: int, clustered: bool, rng: np.random.Generator) -> np.ndarray:
    if not clustered:
        return rng.integers(0, 256, (size, 32), dtype=np.uint8)
    # Many copies of fewer originals, each copy a few bits away: what a bank of reposts looks like.
    originals = rng.integers(0, 256, (max(1, size // 50), 32), dtype=np.uint8)
    copies = originals[rng.integers(0, len(originals), size)]
    for start in range(0, size, 1 << 20):  # noise a block at a time: 10M x 256 floats would be 20 GB
        block = copies[start : start + (1 << 20)]
        block ^= np.packbits(rng.random((len(block), 256)) < 0.03, axis=1)
    return copies


def queries_for(bank: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
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
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    for size in args.sizes:
        for shape in args.shapes:
            bank = bank_of(size, shape == "clustered", rng)
            queries = queries_for(bank, args.queries, rng)
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
