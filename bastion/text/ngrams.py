"""Hashed n-gram counts, exactly as scikit-learn's HashingVectorizer counts them, compiled.

The fast tier's features are scikit-learn's `char_wb` 2-5-grams and word 1-2-grams
(`\\b\\w+\\b` tokens), each hashed with MurmurHash3 (seed 0) of its UTF-8 bytes to
`abs(hash) % n_features`. scikit-learn builds every n-gram as a Python string,
which made it the slowest step of the tier; this computes the same indices and
counts from code points in one compiled pass (numba), and the tests hold it to
scikit-learn's output. Lone surrogates are encoded as UTF-8 would if it allowed
them, where scikit-learn raises.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence

import numpy as np
from numba import njit

_MASK32 = 0xFFFFFFFF


@functools.cache
def character_classes() -> tuple[np.ndarray, np.ndarray]:
    """(is whitespace, is a word character) for every code point, as Python's `re` decides them."""
    everything = "".join(map(chr, range(0x110000)))
    space = np.zeros(0x110000, dtype=np.bool_)
    word = np.zeros(0x110000, dtype=np.bool_)
    space[[m.start() for m in re.finditer(r"\s", everything)]] = True
    word[[m.start() for m in re.finditer(r"\w", everything)]] = True
    return space, word


def ngram_counts(
    texts: Sequence[str], n_features: int, char_range: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts (indptr, indices, counts): character n-grams in columns [0, n_features), word
    n-grams in [n_features, 2 * n_features); within a row, columns in order of first sight."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=bounds[1:])
    space, word = character_classes()
    seen = _last_seen(n_features)
    first_row, seen.rows = seen.rows, seen.rows + len(texts)
    return _count_all(
        codes, bounds, space, word, n_features, char_range[0], char_range[1], seen.row, seen.position, first_row
    )


class _LastSeen(threading.local):
    """Per thread, the last row (numbered across calls) and position at which each column was counted.

    Counting an n-gram is then one read, and no call clears 2 * n_features entries first."""

    def __init__(self, n_features: int) -> None:
        self.row = np.full(2 * n_features, -1, dtype=np.int64)
        self.position = np.empty(2 * n_features, dtype=np.int64)
        self.rows = 0


@functools.cache
def _last_seen(n_features: int) -> _LastSeen:
    return _LastSeen(n_features)


@njit(cache=True, nogil=True)
def _count_all(codes, bounds, space, word, n_features, low, high, last_row, last_position, first_row):  # type: ignore[no-untyped-def]
    indptr = np.zeros(len(bounds), dtype=np.int64)
    indices = np.empty(4096, dtype=np.int32)
    counts = np.empty(4096, dtype=np.int32)
    scratch = np.empty(256, dtype=np.uint8)
    starts = np.empty(64, dtype=np.int64)
    found = np.empty(1024, dtype=np.int64)
    filled = 0
    for doc in range(len(bounds) - 1):
        text = codes[bounds[doc] : bounds[doc + 1]]
        found, seen, scratch, starts = _char_ngrams(text, space, n_features, low, high, found, scratch, starts)
        found, seen, scratch = _word_ngrams(text, word, n_features, found, seen, scratch)
        while filled + seen > len(indices):
            indices, counts = _grow(indices), _grow(counts)
        row = first_row + doc
        for column in found[:seen]:
            if last_row[column] == row:
                counts[last_position[column]] += 1
            else:
                last_row[column], last_position[column] = row, filled
                indices[filled], counts[filled] = column, 1
                filled += 1
        indptr[doc + 1] = filled
    return indptr, indices[:filled], counts[:filled]


@njit(cache=True, nogil=True)
def _char_ngrams(text, space, n_features, low, high, found, scratch, starts):  # type: ignore[no-untyped-def]
    """scikit-learn's char_wb: each whitespace-separated word padded with a space on each side.

    The padded word is encoded once; `starts[i]` is where its code point i begins in those
    bytes (`starts[length]`: where the word ends), so every n-gram is a slice of them."""
    seen = 0
    start = 0
    while start < len(text):
        if space[text[start]]:
            start += 1
            continue
        end = start
        while end < len(text) and not space[text[end]]:
            end += 1
        length = end - start + 2
        if len(starts) < length + 1:
            starts = np.empty(2 * (length + 1), dtype=np.int64)
        scratch, size = _utf8_one(32, scratch, 0)
        starts[0], starts[1] = 0, size
        for i in range(start, end):
            scratch, size = _utf8_one(text[i], scratch, size)
            starts[i - start + 2] = size
        scratch, size = _utf8_one(32, scratch, size)
        starts[length] = size
        if seen + (high - low + 1) * length > len(found):
            found = _grow_to(found, seen + (high - low + 1) * length)
        for n in range(low, high + 1):
            offset = 0
            while True:
                stop = min(offset + n, length)
                found[seen] = _bucket(scratch[starts[offset] : starts[stop]], n_features)
                seen += 1
                if offset + n >= length:
                    break
                offset += 1
            if offset == 0:  # a word shorter than n is counted once, not once per n
                break
        start = end
    return found, seen, scratch, starts


@njit(cache=True, nogil=True)
def _word_ngrams(text, word, n_features, found, seen, scratch):  # type: ignore[no-untyped-def]
    """Runs of word characters (`\\b\\w+\\b`), then each pair of neighbours joined by a space."""
    previous_start, previous_end = -1, -1
    start = 0
    while start < len(text):
        if not word[text[start]]:
            start += 1
            continue
        end = start
        while end < len(text) and word[text[end]]:
            end += 1
        if seen + 2 > len(found):
            found = _grow(found)
        size = 0
        if previous_start >= 0:  # the pair "previous this", whose tail is the unigram "this"
            for i in range(previous_start, previous_end):
                scratch, size = _utf8_one(text[i], scratch, size)
            scratch, size = _utf8_one(32, scratch, size)
        middle = size
        for i in range(start, end):
            scratch, size = _utf8_one(text[i], scratch, size)
        found[seen] = n_features + _bucket(scratch[middle:size], n_features)
        seen += 1
        if previous_start >= 0:
            found[seen] = n_features + _bucket(scratch[:size], n_features)
            seen += 1
        previous_start, previous_end = start, end
        start = end
    return found, seen, scratch


@njit(cache=True, nogil=True, inline="always")
def _utf8_one(point, buffer, size):  # type: ignore[no-untyped-def]
    """Append one code point's UTF-8 bytes to buffer[:size]; returns the (maybe larger) buffer and size."""
    if size + 4 > len(buffer):
        buffer = _grow(buffer)
    if point < 0x80:
        buffer[size] = point
        return buffer, size + 1
    if point < 0x800:
        buffer[size] = 0xC0 | (point >> 6)
        buffer[size + 1] = 0x80 | (point & 0x3F)
        return buffer, size + 2
    if point < 0x10000:
        buffer[size] = 0xE0 | (point >> 12)
        buffer[size + 1] = 0x80 | ((point >> 6) & 0x3F)
        buffer[size + 2] = 0x80 | (point & 0x3F)
        return buffer, size + 3
    buffer[size] = 0xF0 | (point >> 18)
    buffer[size + 1] = 0x80 | ((point >> 12) & 0x3F)
    buffer[size + 2] = 0x80 | ((point >> 6) & 0x3F)
    buffer[size + 3] = 0x80 | (point & 0x3F)
    return buffer, size + 4


@njit(cache=True, nogil=True)
def _bucket(data, n_features):  # type: ignore[no-untyped-def]
    """scikit-learn's column for these bytes: abs(signed MurmurHash3_x86_32, seed 0) % n_features."""
    h = _murmur3(data)
    if h == -2147483648:  # abs() would overflow; scikit-learn defines this case so
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


@njit(cache=True, nogil=True)
def _murmur3(data):  # type: ignore[no-untyped-def]
    size = len(data)
    h = 0
    blocks = size // 4
    for block in range(blocks):
        i = 4 * block
        k = np.int64(data[i]) | (np.int64(data[i + 1]) << 8) | (np.int64(data[i + 2]) << 16)
        k |= np.int64(data[i + 3]) << 24
        h ^= _scramble(k)
        h = _rotl(h, 13)
        h = (h * 5 + 0xE6546B64) & _MASK32
    tail = 0
    rest = size & 3
    if rest == 3:
        tail ^= np.int64(data[4 * blocks + 2]) << 16
    if rest >= 2:
        tail ^= np.int64(data[4 * blocks + 1]) << 8
    if rest >= 1:
        tail ^= np.int64(data[4 * blocks])
        h ^= _scramble(tail)
    h ^= size
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK32
    h ^= h >> 16
    return h - (1 << 32) if h >= (1 << 31) else h


@njit(cache=True, nogil=True, inline="always")
def _scramble(k):  # type: ignore[no-untyped-def]
    k = (k * 0xCC9E2D51) & _MASK32
    k = _rotl(k, 15)
    return (k * 0x1B873593) & _MASK32


@njit(cache=True, nogil=True, inline="always")
def _rotl(x, r):  # type: ignore[no-untyped-def]
    return ((x << r) | (x >> (32 - r))) & _MASK32


@njit(cache=True, nogil=True)
def _grow_to(array, size):  # type: ignore[no-untyped-def]
    bigger = np.empty(max(2 * len(array), size), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


@njit(cache=True, nogil=True)
def _grow(array):  # type: ignore[no-untyped-def]
    bigger = np.empty(2 * len(array), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger
