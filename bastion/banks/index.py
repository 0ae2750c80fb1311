"""Find bank entries near a hash: PDQ by Hamming distance, exact recall.

Multi-index hashing: each 256-bit hash is cut into 16 substrings of 16 bits.
Two hashes within distance 31 differ in at most 31 bits, so (pigeonhole) at
least one of their 16 substrings differs in at most one bit. A query probes,
for each substring position, the buckets of its own value and its 16 one-bit
neighbours, then checks the candidates' full distance with a vectorised
popcount. Recall at distance ≤ 31 is therefore exact, and a query reads a few
ten thousand hashes instead of all of them.

When hashes cluster (real banks hold many near-duplicates), buckets swell; past
`_MAX_CANDIDATE_SHARE` of the bank a query falls back to a flat scan, which is
never wrong, only slower. New entries go to a small flat "delta" index first,
so they match at once; the multi-index is rebuilt when the delta grows.
docs/banks.md has the measurements behind these choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import faiss
import numpy as np

PDQ_BYTES = 32
_CHUNKS = 16
_PROBES = np.array([0] + [1 << bit for bit in range(16)], dtype=np.int64)  # own value, then one-bit flips
_MAX_RADIUS = 31  # the pigeonhole guarantee holds up to 2 * _CHUNKS - 1
_MAX_CANDIDATE_SHARE = 0.25
_DELTA_LIMIT = 100_000


def hex_to_bytes(hexes: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(len(hexes), PDQ_BYTES)


def hamming(a: str, b: str) -> int:
    return int(np.bitwise_count(np.bitwise_xor(hex_to_bytes([a])[0], hex_to_bytes([b])[0])).sum())


@dataclass
class _MultiIndex:
    """The static part: codes plus, per substring position, entries sorted by that substring."""

    flat: faiss.IndexBinaryFlat  # holds the codes once; its SIMD range search is the fallback scan
    codes: np.ndarray  # (n, 4) uint64 view of the flat index's storage: one cache line per gathered hash
    ids: np.ndarray  # (n,) int64 entry ids
    order: np.ndarray  # (16 * n,) int32: rows sorted by each substring, one block per substring
    starts: np.ndarray  # (16, 65537) int64: bucket boundaries within each block

    @classmethod
    def build(cls, raw: np.ndarray, ids: np.ndarray) -> _MultiIndex:
        words = raw.view(">u2")  # (n, 16) big-endian 16-bit substrings
        order = np.empty((_CHUNKS, len(raw)), dtype=np.int32)
        starts = np.zeros((_CHUNKS, 65537), dtype=np.int64)
        for chunk in range(_CHUNKS):
            order[chunk] = np.argsort(words[:, chunk], kind="stable")
            starts[chunk, 1:] = np.cumsum(np.bincount(words[:, chunk], minlength=65536))
            starts[chunk] += chunk * len(raw)
        flat = faiss.IndexBinaryFlat(8 * PDQ_BYTES)
        flat.add(np.ascontiguousarray(raw))
        # A view of faiss's own copy, not a second one; it stays valid because nothing is added later.
        storage = faiss.rev_swig_ptr(flat.xb.data(), flat.xb.size())  # type: ignore[attr-defined]
        codes = np.asarray(storage).view(np.uint64).reshape(-1, 4)
        return cls(flat, codes, ids, order.ravel(), starts)

    @property
    def raw(self) -> np.ndarray:
        return self.codes.view(np.uint8).reshape(-1, PDQ_BYTES)

    def near(self, query: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(entry ids, distances) within radius; None when the candidates are too many to beat a scan."""
        words = query.view(">u2").astype(np.int64)
        probes = words[:, None] ^ _PROBES[None, :]  # (16, 17)
        chunk = np.repeat(np.arange(_CHUNKS), len(_PROBES))
        low = self.starts[chunk, probes.ravel()]
        lengths = self.starts[chunk, probes.ravel() + 1] - low
        total = int(lengths.sum())
        if total > _MAX_CANDIDATE_SHARE * len(self.ids):
            return None
        offsets = np.repeat(low - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(total)
        rows = self.order.take(offsets)
        distances = self._distances(rows, query)
        hit = distances <= radius
        rows, first = np.unique(rows[hit], return_index=True)  # a row found through two substrings
        return self.ids[rows], distances[hit][first]

    def scan(self, query: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        _, distances, rows = self.flat.range_search(query[None, :], radius + 1)
        return self.ids[rows], distances

    def _distances(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        return _distances(self.codes.take(rows, axis=0), query)


def _distances(codes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distances of (k, 4) uint64 codes to the query; summing the four columns by hand
    is several times faster than numpy's sum over an axis of length 4."""
    counts = np.bitwise_count(codes ^ query.view(np.uint64))
    return counts[:, 0].astype(np.uint16) + counts[:, 1] + counts[:, 2] + counts[:, 3]


@dataclass
class PdqIndex:
    """Entry ids by PDQ hash; `near` answers every entry within a distance, nearest first."""

    _main: _MultiIndex | None = None
    _delta: faiss.IndexBinaryFlat = field(default_factory=lambda: faiss.IndexBinaryFlat(8 * PDQ_BYTES))
    _delta_raw: list[np.ndarray] = field(default_factory=list)
    _delta_ids: list[np.ndarray] = field(default_factory=list)

    def __len__(self) -> int:
        return (len(self._main.ids) if self._main else 0) + int(self._delta.ntotal)

    def add(self, entry_ids: list[int], hexes: list[str]) -> None:
        if len(entry_ids) != len(hexes):
            raise ValueError(f"{len(entry_ids)} entry ids for {len(hexes)} hashes")
        if not hexes:
            return
        raw = hex_to_bytes(hexes)
        self._delta.add(raw)
        self._delta_raw.append(raw)
        self._delta_ids.append(np.asarray(entry_ids, dtype=np.int64))
        if self._delta.ntotal > max(_DELTA_LIMIT, len(self) // 10):
            self.compact()

    def compact(self) -> None:
        """Fold the delta into a rebuilt multi-index (seconds at ten million entries)."""
        raws, ids = list(self._delta_raw), list(self._delta_ids)
        if self._main is not None:
            raws.insert(0, self._main.raw)
            ids.insert(0, self._main.ids)
        if raws:
            self._main = _MultiIndex.build(np.concatenate(raws), np.concatenate(ids))
        self._delta, self._delta_raw, self._delta_ids = faiss.IndexBinaryFlat(8 * PDQ_BYTES), [], []

    def near(self, hexes: list[str], max_distance: int) -> list[list[tuple[int, int]]]:
        """For each query, (entry id, distance) of every entry within `max_distance`, nearest first."""
        if not hexes:
            return []
        queries = hex_to_bytes(hexes)
        return [self._near_one(query, max_distance) for query in queries]

    def _near_one(self, query: np.ndarray, radius: int) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        if self._main is not None:
            hits = self._main.near(query, radius) if radius <= _MAX_RADIUS else None
            ids, distances = hits if hits is not None else self._main.scan(query, radius)
            found += zip(ids.tolist(), distances.tolist(), strict=True)
        if self._delta.ntotal:
            _, distances, positions = self._delta.range_search(query[None, :], radius + 1)
            delta_ids = np.concatenate(self._delta_ids)
            found += zip(delta_ids[positions].tolist(), distances.tolist(), strict=True)
        return sorted(((int(i), int(d)) for i, d in found), key=lambda pair: (pair[1], pair[0]))
