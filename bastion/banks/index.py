"""Find bank entries near a hash: PDQ by Hamming distance, exact recall.

The static part is a multi-index over hash substrings (`bastion/banks/mih.py`
has the kernels and the pigeonhole argument that makes recall exact). Its
shape follows the bank's size: 16 substrings of 16 bits, probed with one-bit
flips, up to half a million entries; then 12 of 21-22 bits and, past two
million, 11 of 23-24 bits, probed with up to two flips, where 16-bit buckets
would hold hundreds of entries each. When hashes cluster (real banks hold many near-duplicates) buckets swell;
past `_MAX_CANDIDATE_SHARE` of the bank a query scans every hash instead,
which is never wrong, only slower.

New entries go to a small "delta" that is scanned flat, so they match at once;
when it grows, the multi-index is rebuilt from both in a background thread and
swapped in, so no add and no query waits for a rebuild. docs/banks.md has the
measurements behind these choices.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

import numpy as np

from bastion.banks import mih

PDQ_BYTES = 32
_MAX_RADIUS = 31  # the radius every index shape answers with probes; wider queries scan
_MAX_CANDIDATE_SHARE = 0.25
_DELTA_LIMIT = 100_000
# Substrings per hash by bank size: longer ones cut the reads per query as the bank grows, but
# their bucket tables cost 4 MB (16), 128 MB (12), 448 MB (11) whatever the size (docs/banks.md).
_SHAPES = ((1 << 21, 11), (1 << 19, 12), (0, 16))


def hex_to_bytes(hexes: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(len(hexes), PDQ_BYTES)


def hamming(a: str, b: str) -> int:
    return int(np.bitwise_count(np.bitwise_xor(hex_to_bytes([a])[0], hex_to_bytes([b])[0])).sum())


def _as_codes(raw: np.ndarray) -> np.ndarray:
    """(n, 32) bytes as (n, 4) uint64 words: distances only need the bits, not their order."""
    return np.ascontiguousarray(raw).view(np.uint64).reshape(-1, 4)


@dataclass(frozen=True)
class _Shape:
    """How a hash is cut into substrings, and the probes of each for a number of flipped bits."""

    offsets: np.ndarray  # (m,) first bit of each substring
    widths: np.ndarray  # (m,) bits in each substring

    @classmethod
    def for_size(cls, entries: int) -> _Shape:
        chunks = next(chunks for smallest, chunks in _SHAPES if entries >= smallest)
        narrow, wider = divmod(8 * PDQ_BYTES, chunks)
        widths = np.array([narrow + 1] * wider + [narrow] * (chunks - wider), dtype=np.int64)
        return cls(np.concatenate(([0], np.cumsum(widths)[:-1])), widths)

    @property
    def max_flips(self) -> int:
        return _MAX_RADIUS // len(self.widths)

    def probes(self, flips: int) -> np.ndarray:
        """(m, k) masks of up to `flips` bits within each substring, padded with -1."""
        masks = [
            [
                sum(1 << bit for bit in bits)
                for count in range(flips + 1)
                for bits in itertools.combinations(range(w), count)
            ]
            for w in self.widths.tolist()
        ]
        padded = np.full((len(masks), max(map(len, masks))), -1, dtype=np.int64)
        for row, chunk_masks in enumerate(masks):
            padded[row, : len(chunk_masks)] = chunk_masks
        return padded


@dataclass(frozen=True)
class _MultiIndex:
    """The static part: codes plus, per substring, rows in counting-sort order and their bucket starts."""

    codes: np.ndarray  # (n, 4) uint64
    ids: np.ndarray  # (n,) int64 entry ids
    shape: _Shape
    orders: np.ndarray  # (m, n) int32 rows sorted by each substring
    starts: np.ndarray  # int32 bucket starts, one table of 2**width + 1 per substring
    bases: np.ndarray  # (m,) where each substring's table begins in `starts`
    probes: tuple[np.ndarray, ...]  # probes[f]: the masks of up to f flips

    @classmethod
    def build(cls, codes: np.ndarray, ids: np.ndarray) -> _MultiIndex:
        shape = _Shape.for_size(len(codes))
        orders = np.empty((len(shape.widths), len(codes)), dtype=np.int32)
        tables = []
        for chunk, (offset, width) in enumerate(zip(shape.offsets.tolist(), shape.widths.tolist(), strict=True)):
            table, orders[chunk] = mih.sort_chunk(codes, offset, width)
            tables.append(table)
        bases = np.concatenate(([0], np.cumsum([len(t) for t in tables])[:-1])).astype(np.int64)
        probes = tuple(shape.probes(flips) for flips in range(shape.max_flips + 1))
        return cls(codes, ids, shape, orders, np.concatenate(tables), bases, probes)

    def near(self, query: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """(entry ids, distances) of every entry within radius."""
        flips = radius // len(self.shape.widths)
        if flips <= self.shape.max_flips:
            probes = self.probes[flips]
            share = mih.candidates(self.starts, self.bases, self.shape.offsets, self.shape.widths, probes, query)
            if share <= _MAX_CANDIDATE_SHARE * len(self.ids):
                rows, distances = mih.search(
                    self.codes, self.starts, self.bases, self.orders,
                    self.shape.offsets, self.shape.widths, probes, flips, query, radius,
                )  # fmt: skip
                return self.ids[rows], distances
        rows, distances = mih.scan(self.codes, query, radius)
        return self.ids[rows], distances


class _Rows:
    """Codes and ids appended in place: views handed out stay valid, as rows are never changed."""

    def __init__(self) -> None:
        self.codes = np.empty((0, 4), dtype=np.uint64)
        self.ids = np.empty(0, dtype=np.int64)
        self.size = 0

    def append(self, codes: np.ndarray, ids: np.ndarray) -> None:
        if self.size + len(codes) > len(self.codes):
            capacity = max(2 * len(self.codes), self.size + len(codes), 1024)
            self.codes = np.concatenate([self.codes[: self.size], np.empty((capacity - self.size, 4), np.uint64)])
            self.ids = np.concatenate([self.ids[: self.size], np.empty(capacity - self.size, np.int64)])
        self.codes[self.size : self.size + len(codes)] = codes
        self.ids[self.size : self.size + len(codes)] = ids
        self.size += len(codes)

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.codes[: self.size], self.ids[: self.size]

    def after(self, start: int) -> _Rows:
        rest = _Rows()
        codes, ids = self.view()
        rest.append(codes[start:], ids[start:])
        return rest


class PdqIndex:
    """Entry ids by PDQ hash; `near` answers every entry within a distance, nearest first."""

    def __init__(self) -> None:
        self._main: _MultiIndex | None = None
        self._delta = _Rows()
        self._lock = threading.Lock()  # guards which main and delta a query sees, and their swap
        self._one_rebuild = threading.Lock()  # a rebuild folds the delta it saw; two at once would fold it twice
        self._rebuilding: threading.Thread | None = None

    def __len__(self) -> int:
        main, delta = self._parts()
        return (len(main.ids) if main else 0) + len(delta[1])

    def add(self, entry_ids: list[int], hexes: list[str]) -> None:
        if len(entry_ids) != len(hexes):
            raise ValueError(f"{len(entry_ids)} entry ids for {len(hexes)} hashes")
        if not hexes:
            return
        with self._lock:
            self._delta.append(_as_codes(hex_to_bytes(hexes)), np.asarray(entry_ids, dtype=np.int64))
            main_size = len(self._main.ids) if self._main else 0
            due = self._delta.size > max(_DELTA_LIMIT, main_size // 10)
            if due and self._rebuilding is None:
                self._rebuilding = threading.Thread(target=self.compact, name="pdq-index-rebuild", daemon=True)
                self._rebuilding.start()

    def compact(self) -> None:
        """Fold the delta into a rebuilt multi-index (seconds at ten million entries); queries go on meanwhile."""
        try:
            with self._one_rebuild:
                self._fold_delta()
        finally:
            with self._lock:
                if self._rebuilding is threading.current_thread():
                    self._rebuilding = None

    def _fold_delta(self) -> None:
        with self._lock:
            main, folded = self._main, self._delta.size
            delta_codes, delta_ids = self._delta.view()
        if not folded:
            return
        codes = delta_codes if main is None else np.concatenate([main.codes, delta_codes])
        ids = delta_ids if main is None else np.concatenate([main.ids, delta_ids])
        rebuilt = _MultiIndex.build(codes, ids)
        with self._lock:
            self._main, self._delta = rebuilt, self._delta.after(folded)

    def wait(self) -> None:
        """Until a background rebuild, if any, has been swapped in."""
        with self._lock:
            rebuilding = self._rebuilding
        if rebuilding is not None:
            rebuilding.join()

    def near(self, hexes: list[str], max_distance: int) -> list[list[tuple[int, int]]]:
        """For each query, (entry id, distance) of every entry within `max_distance`, nearest first."""
        if not hexes:
            return []
        queries = _as_codes(hex_to_bytes(hexes))
        main, (delta_codes, delta_ids) = self._parts()
        answers = []
        for query in queries:
            ids, distances = main.near(query, max_distance) if main else (np.empty(0, np.int64),) * 2
            rows, delta_distances = mih.scan(delta_codes, query, max_distance)
            found = zip(
                np.concatenate([ids, delta_ids[rows]]).tolist(),
                np.concatenate([distances, delta_distances]).tolist(),
                strict=True,
            )
            answers.append(sorted(found, key=lambda pair: (pair[1], pair[0])))
        return answers

    def _parts(self) -> tuple[_MultiIndex | None, tuple[np.ndarray, np.ndarray]]:
        with self._lock:
            return self._main, self._delta.view()
