"""Compiled kernels of the PDQ index: multi-index hashing over hash substrings.

A 256-bit hash (four uint64 words) is cut into `m` substrings ("chunks") whose
widths differ by at most one bit. Two hashes within distance R differ, by the
pigeonhole principle, in at most `R // m` bits of some chunk. So a query looks
up, for every chunk, the entries whose chunk equals the query's chunk with up
to `R // m` bits flipped ("probes"), and checks each candidate's full distance.

Entries are kept in counting-sort order per chunk, with a table of bucket
starts over every chunk value, so a probe costs two reads and its bucket is a
contiguous run of row numbers. The loops are compiled by numba (`nogil`, so a
rebuild in a background thread does not stall queries), because at ten
million entries a query gathers thousands of candidates at random places, and
the time goes to memory latency that only a tight loop can overlap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, types
from numba.extending import intrinsic


@intrinsic  # type: ignore[misc]
def _ctpop(typingctx, value):  # type: ignore[no-untyped-def]
    """The CPU's popcount instruction (LLVM's ctpop); numba has no such builtin."""
    signature = types.uint64(types.uint64)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        return builder.ctpop(args[0])

    return signature, codegen


_popcount: Callable[[Any], Any] = _ctpop  # type: ignore[assignment]  # numba calls the intrinsic; type checkers see a plain function


@njit(cache=True, nogil=True, inline="always")
def _distance(codes: np.ndarray, row: int, query: np.ndarray) -> int:
    return int(
        _popcount(codes[row, 0] ^ query[0])
        + _popcount(codes[row, 1] ^ query[1])
        + _popcount(codes[row, 2] ^ query[2])
        + _popcount(codes[row, 3] ^ query[3])
    )


@njit(cache=True, nogil=True, inline="always")
def _chunk(code: np.ndarray, offset: int, width: int) -> int:
    """Bits [offset, offset + width) of a hash, counting from the low bit of word 0; width ≤ 32."""
    word, shift = offset // 64, offset % 64
    value = code[word] >> np.uint64(shift)
    if shift + width > 64:
        value |= code[word + 1] << np.uint64(64 - shift)
    return int(value & np.uint64((1 << width) - 1))


@njit(cache=True, nogil=True)
def sort_chunk(codes: np.ndarray, offset: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Counting sort of the rows by one chunk: (bucket starts over every chunk value, rows in order)."""
    n = codes.shape[0]
    starts = np.zeros((1 << width) + 1, dtype=np.int32)
    values = np.empty(n, dtype=np.int32)
    for row in range(n):
        value = _chunk(codes[row], offset, width)
        values[row] = value
        starts[value + 1] += 1
    for value in range(1 << width):
        starts[value + 1] += starts[value]
    order = np.empty(n, dtype=np.int32)
    fill = starts[:-1].copy()
    for row in range(n):
        order[fill[values[row]]] = row
        fill[values[row]] += 1
    return starts, order


@njit(cache=True, nogil=True)
def candidates(
    starts: np.ndarray,
    bases: np.ndarray,
    offsets: np.ndarray,
    widths: np.ndarray,
    probes: np.ndarray,
    query: np.ndarray,
) -> int:
    """How many rows the probes would check: the caller scans instead when buckets have swollen."""
    total = 0
    for chunk in range(len(offsets)):
        own = _chunk(query, offsets[chunk], widths[chunk])
        for mask in probes[chunk]:
            if mask < 0:
                break
            value = bases[chunk] + (own ^ mask)
            total += starts[value + 1] - starts[value]
    return total


@njit(cache=True, nogil=True)
def search(
    codes: np.ndarray,
    starts: np.ndarray,
    bases: np.ndarray,
    orders: np.ndarray,
    offsets: np.ndarray,
    widths: np.ndarray,
    probes: np.ndarray,
    flips: int,
    query: np.ndarray,
    radius: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, distances) of every row within `radius`, each row once.

    `starts[bases[chunk]:]` is that chunk's table of bucket starts into
    `orders[chunk]`; `probes[chunk]` lists the masks of up to `flips` bits,
    padded with -1. A row
    is reported from the first chunk through which it is found (the first
    whose difference is at most `flips` bits), so no row comes twice.
    """
    rows = np.empty(16, dtype=np.int64)
    distances = np.empty(16, dtype=np.int64)
    found = 0
    own = np.empty(len(offsets), dtype=np.int64)
    for chunk in range(len(offsets)):
        own[chunk] = _chunk(query, offsets[chunk], widths[chunk])
    for chunk in range(len(offsets)):
        base = bases[chunk]
        for mask in probes[chunk]:
            if mask < 0:
                break
            value = base + (own[chunk] ^ mask)
            for position in range(starts[value], starts[value + 1]):
                row = orders[chunk, position]
                distance = _distance(codes, row, query)
                if distance > radius or _found_earlier(codes[row], own, offsets, widths, chunk, flips):
                    continue
                if found == len(rows):
                    rows, distances = _grow(rows), _grow(distances)
                rows[found], distances[found] = row, distance
                found += 1
    return rows[:found], distances[:found]


@njit(cache=True, nogil=True, inline="always")
def _found_earlier(
    code: np.ndarray, own: np.ndarray, offsets: np.ndarray, widths: np.ndarray, chunk: int, flips: int
) -> bool:
    for earlier in range(chunk):
        if _popcount(np.uint64(_chunk(code, offsets[earlier], widths[earlier]) ^ own[earlier])) <= flips:
            return True
    return False


@njit(cache=True, nogil=True)
def _grow(array: np.ndarray) -> np.ndarray:
    bigger = np.empty(2 * len(array), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


@njit(cache=True, nogil=True)
def scan(codes: np.ndarray, query: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, distances) within `radius` by checking every row: exact for any radius, bound by memory bandwidth."""
    rows = np.empty(16, dtype=np.int64)
    distances = np.empty(16, dtype=np.int64)
    found = 0
    for row in range(codes.shape[0]):
        distance = _distance(codes, row, query)
        if distance <= radius:
            if found == len(rows):
                rows, distances = _grow(rows), _grow(distances)
            rows[found], distances[found] = row, distance
            found += 1
    return rows[:found], distances[:found]
