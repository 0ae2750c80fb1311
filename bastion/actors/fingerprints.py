"""Fingerprints of a removed actor, and matching a new profile against them as a possible respawn.

A respawn needs several independent fingerprints (name pattern, bio text,
avatar, banner): one alone never matches, because common names and shared
phrases (a religious greeting in a bio) are everywhere among ordinary users.
Nothing here reads who a person is; only what the account shows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Look-alike letters folded to one skeleton (a small confusables table: Cyrillic, Greek, digits as letters).
_CONFUSABLES = str.maketrans("аеорсхуіѕαορντκ01l3457@$", "aeopcxyisaopvtkoiieastas")
_SEPARATORS = re.compile(r"[\s._\-]+")
_TRAILING_DIGITS = re.compile(r"\d+$")
_SHINGLE = 4
_PERMUTATIONS = 64
_BIO_SIMILAR = 0.5
_PDQ_CLOSE = 31


@lru_cache(maxsize=65536)
def name_skeleton(name: str) -> str:
    """A name with case, accents, separators, a numeric suffix and look-alike letters folded away."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = _TRAILING_DIGITS.sub("", _SEPARATORS.sub("", folded))
    return folded.translate(_CONFUSABLES)


@lru_cache(maxsize=65536)  # a bank's bios are compared with every new profile: each is hashed once
def bio_minhash(bio: str) -> tuple[int, ...]:
    """MinHash signature of a bio's character shingles: rewritten bios that keep most wording stay close."""
    text = " ".join(name_skeleton(word) for word in bio.split())
    shingles = {text[i : i + _SHINGLE] for i in range(max(1, len(text) - _SHINGLE + 1))}
    return tuple(
        min(int.from_bytes(hashlib.blake2b(f"{seed}:{s}".encode(), digest_size=8).digest(), "big") for s in shingles)
        for seed in range(_PERMUTATIONS)
    )


def minhash_similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    if not a or not b:
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=False)) / min(len(a), len(b))


def pdq_distance(a: str, b: str) -> int:
    return (_pdq_bits(a) ^ _pdq_bits(b)).bit_count()


@lru_cache(maxsize=65536)
def _pdq_bits(pdq: str) -> int:
    return int(pdq, 16)


@dataclass(frozen=True)
class Profile:
    """What an actor shows: name, handle, bio, and the PDQ hashes of its avatar and banner."""

    name: str = ""
    handle: str = ""
    bio: str = ""
    avatar_pdq: str | None = None
    banner_pdq: str | None = None


@dataclass(frozen=True)
class RespawnMatch:
    fingerprints: list[str] = field(default_factory=list)  # the independent fingerprints that agreed, explained

    @property
    def is_respawn(self) -> bool:
        return len(self.fingerprints) >= 2


def match_profile(removed: Profile, candidate: Profile) -> RespawnMatch:
    """Which of the removed actor's fingerprints the candidate shares; two or more make a possible respawn."""
    agreed: list[str] = []
    names = {name_skeleton(n) for n in (removed.name, removed.handle) if n}
    if names & {name_skeleton(n) for n in (candidate.name, candidate.handle) if n}:
        agreed.append("name pattern (suffix, case and look-alike letters folded)")
    if removed.bio and candidate.bio:
        similarity = minhash_similarity(bio_minhash(removed.bio), bio_minhash(candidate.bio))
        if similarity >= _BIO_SIMILAR:
            agreed.append(f"bio text (MinHash similarity {similarity:.2f})")
    for label, old, new in (
        ("avatar", removed.avatar_pdq, candidate.avatar_pdq),
        ("banner", removed.banner_pdq, candidate.banner_pdq),
    ):
        if old and new and (distance := pdq_distance(old, new)) <= _PDQ_CLOSE:
            agreed.append(f"{label} image (PDQ distance {distance})")
    return RespawnMatch(agreed)
