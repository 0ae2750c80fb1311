"""Find bank entries near a hash: PDQ by Hamming distance, MD5/SHA-256 exactly.

PDQ hashes live in a faiss binary flat index: an exhaustive, SIMD popcount
scan, so recall at any distance is exact (1.0 against brute force by
construction), adds are incremental, and memory is 32 bytes per hash plus its
entry id. docs/banks.md explains the choice with the measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import faiss
import numpy as np

PDQ_BYTES = 32


def hex_to_bytes(hexes: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(len(hexes), PDQ_BYTES)


@dataclass
class PdqIndex:
    """Entry ids by PDQ hash; `near` answers every entry within a distance."""

    _index: faiss.IndexBinaryFlat = field(default_factory=lambda: faiss.IndexBinaryFlat(8 * PDQ_BYTES))
    _ids: list[np.ndarray] = field(default_factory=list)
    _id_array: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, entry_ids: list[int], hexes: list[str]) -> None:
        if not hexes:
            return
        self._index.add(hex_to_bytes(hexes))
        self._ids.append(np.asarray(entry_ids, dtype=np.int64))
        self._id_array = None

    def near(self, hexes: list[str], max_distance: int) -> list[list[tuple[int, int]]]:
        """For each query, (entry id, distance) of every entry within `max_distance`, nearest first."""
        if not hexes or len(self) == 0:
            return [[] for _ in hexes]
        limits, distances, positions = self._index.range_search(hex_to_bytes(hexes), max_distance + 1)
        ids = self._entry_ids()
        found = []
        for query in range(len(hexes)):
            start, end = limits[query], limits[query + 1]
            pairs = sorted(zip(distances[start:end].tolist(), positions[start:end].tolist(), strict=True))
            found.append([(int(ids[position]), int(distance)) for distance, position in pairs])
        return found

    def _entry_ids(self) -> np.ndarray:
        if self._id_array is None:
            self._id_array = np.concatenate(self._ids) if self._ids else np.zeros(0, dtype=np.int64)
        return self._id_array


def hamming(a: str, b: str) -> int:
    return int(np.unpackbits(np.bitwise_xor(hex_to_bytes([a])[0], hex_to_bytes([b])[0])).sum())
