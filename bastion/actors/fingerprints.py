"""What an account shows, and the comparisons a respawn is recognised by (`bastion.actors.respawn`): names with
look-alike letters and suffixes folded, bios by MinHash, avatars and banners by PDQ distance.

Nothing here reads who a person is; only what the account shows.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Look-alike letters folded to one skeleton (a small confusables table: Cyrillic, Greek, digits as letters).
_CONFUSABLES = str.maketrans("аеорсхуіѕαορντκ01l3457@$", "aeopcxyisaopvtkoiieastas")
_SEPARATORS = re.compile(r"[\s._\-]+")
_TRAILING_DIGITS = re.compile(r"\d+$")
_SHINGLE = 4
_PERMUTATIONS = 64


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
