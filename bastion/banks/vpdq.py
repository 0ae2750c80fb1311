"""vPDQ bank entries: a video's frame hashes, exchanged as python-threatexchange serialises them.

A vPDQ signal is a JSON list of `"pdq_hex,quality,timestamp"` strings (pytx's
`VpdqCompactFeature`). A bank row keeps the SHA-256 of the canonical list as its
value (unique, fixed length) and the frames themselves in `extra["vpdq"]`.

Two videos match the way vPDQ defines it: the share of one video's distinct,
good-quality frames that lie within the PDQ distance of some frame of the
other. Bastion matches when either share reaches its threshold, so both a clip
cut from known footage (the query is mostly known frames) and a compilation
that contains known footage whole (the entry's frames are all found) match.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from bastion.media.video import VideoFrame
from bastion.wire import MalformedJSON, loads


@dataclass(frozen=True)
class VideoCoverage:
    query_percent: float  # share of the query's distinct frames found in the entry
    entry_percent: float  # share of the entry's distinct frames found in the query
    distance: int  # the nearest pair of frames

    def matches(self, query_threshold: float, entry_threshold: float) -> bool:
        return self.query_percent >= query_threshold or self.entry_percent >= entry_threshold


def parse_frames(value: str) -> list[VideoFrame]:
    """Frames from pytx's serialisation; ValueError naming what is wrong."""
    try:
        items = loads(value)
    except MalformedJSON:
        raise ValueError("a vPDQ hash is a JSON list of 'pdq_hex,quality,timestamp' strings") from None
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise ValueError("a vPDQ hash is a non-empty JSON list of 'pdq_hex,quality,timestamp' strings")
    return [VideoFrame.parse(x) for x in items]


def serialise(frames: list[VideoFrame]) -> str:
    """The canonical form: pytx's JSON list, compact, in timestamp order."""
    return json.dumps([str(f) for f in sorted(frames, key=lambda f: f.timestamp)], separators=(",", ":"))


def entry_id_of(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def usable(frames: list[VideoFrame], quality_floor: int) -> list[str]:
    """Distinct PDQ hashes of the frames good enough to match (vPDQ dedupes and filters the same way)."""
    return list(dict.fromkeys(f.pdq for f in frames if f.quality >= quality_floor))


def coverage(query: list[str], entry: list[str], max_distance: int) -> VideoCoverage:
    """How much of each side is found in the other, from distinct usable frame hashes."""
    if not query or not entry:
        return VideoCoverage(0.0, 0.0, 256)
    distances = _pairwise(query, entry)
    near = distances <= max_distance
    return VideoCoverage(
        round(100.0 * near.any(axis=1).mean(), 2), round(100.0 * near.any(axis=0).mean(), 2), int(distances.min())
    )


def _pairwise(a: list[str], b: list[str]) -> np.ndarray:
    left = np.frombuffer(bytes.fromhex("".join(a)), dtype=np.uint64).reshape(-1, 4)
    right = np.frombuffer(bytes.fromhex("".join(b)), dtype=np.uint64).reshape(-1, 4)
    return np.bitwise_count(left[:, None, :] ^ right[None, :, :]).sum(axis=2)
