"""Known content: media hashed (PDQ, MD5, SHA-256) and matched against the hash banks.

Every image or video gets a signal carrying its hashes (they are what is kept
of the media); a match adds the bank entry, its labels and the distance. An
exact match of the bytes sets `evidence.exact`, which the default policy
removes without waiting for a person; a near match goes to review. Only the
banks that apply to the item's platform match it (installation banks, its own
and those shared with it), and an allow bank vetoes only where it applies.

Media attached to an item of another kind (a post with an attachment) is
matched too: as an image when its bytes are one, by its digests otherwise, so
declaring the wrong kind cannot slip banked media past the banks.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from bastion.banks.matcher import BankMatcher, Match
from bastion.core import Category, ContentError, Kind, Signal
from bastion.detectors.base import Content, Detector
from bastion.media.hashing import MediaHashes, hash_image, hash_video
from bastion.media.images import SHARED_BUDGET, DecodeBudget

if TYPE_CHECKING:
    from bastion.context import AppContext


class HashDetector(Detector):
    name = "hashes"
    version = "1"

    def __init__(
        self,
        matcher: BankMatcher | None,
        max_pixels: int,
        max_video_seconds: int,
        budget: DecodeBudget = SHARED_BUDGET,
    ) -> None:
        self.matcher = matcher
        self.max_pixels = max_pixels
        self.max_video_seconds = max_video_seconds
        self.budget = budget

    @classmethod
    def from_context(cls, context: AppContext) -> HashDetector:
        """Matches against the context's one bank index; without a database (a dry run) media is hashed only."""
        settings = context.settings
        return cls(
            context.bank_matcher(), settings.max_image_pixels, settings.max_video_seconds, context.decode_budget()
        )

    def applies_to(self, content: Content) -> bool:
        return content.media is not None

    def detect(self, content: Content) -> list[Signal]:
        assert content.media is not None
        hashes = self._hash(content)
        matches = self.matcher.match(hashes, content.platform) if self.matcher else []
        evidence: dict[str, Any] = {"hashes": hashes.as_evidence(), "exact": False, "match": None}
        if not matches or matches[0].benign:
            if matches:
                evidence["vetoed_by"] = [m.as_evidence() for m in matches]
            return [
                Signal(detector=self.name, version=self.version, category=Category.BENIGN, score=0.0, evidence=evidence)
            ]
        best = matches[0]
        evidence |= {"exact": best.exact, "match": best.as_evidence(), "matches": [m.as_evidence() for m in matches]}
        return [
            Signal(
                detector=self.name, version=self.version, category=best.category, score=_score(best), evidence=evidence
            )
        ]

    def _hash(self, content: Content) -> MediaHashes:
        assert content.media is not None
        if content.kind is Kind.VIDEO:
            return hash_video(content.media, self.max_video_seconds)
        try:
            return hash_image(content.media, self.max_pixels, self.budget)
        except ContentError:
            if content.kind is Kind.IMAGE:
                raise
            # An attachment that is no image is still known by its bytes.
            return MediaHashes(hashlib.md5(content.media).hexdigest(), hashlib.sha256(content.media).hexdigest())


def _score(match: Match) -> float:
    """1.0 for the same bytes; near matches from 0.99 down to 0.5 at distance 64."""
    return 1.0 if match.exact else round(max(0.5, 0.99 - match.distance / 128), 4)
