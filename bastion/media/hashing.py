"""Hashes of media: MD5 and SHA-256 of the bytes, PDQ of images, vPDQ of videos.

PDQ hex strings follow python-threatexchange (the 256 bits in pdqhash's order,
four to a hex digit), so banks exchanged with ThreatExchange and HMA compare
bit for bit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pdqhash
from PIL import Image

from bastion.media.images import DEFAULT_MAX_PIXELS, SHARED_BUDGET, DecodeBudget, decoded_image
from bastion.media.video import VideoFrame, video_frames

PDQ_BITS = 256
# Images of 2048 px or more are first shrunk by a whole factor (a box filter, cheap) to between
# 1024 and 2047 px: that bounds the work (PDQ's cost grows with pixels) and keeps hashes within
# 4 bits of the reference on full-size images in the tests, inside the 10 bits Meta's
# pdq/README.md allows. (A 512 px thumbnail drifted up to 20 bits.) Smaller images hash exactly
# as python-threatexchange hashes them.
_PDQ_SIDE = 1024
_REDUCED_FIRST_ALIKE = ("L", "RGB")  # modes whose box reduction commutes with conversion to RGB
MAX_VIDEO_SECONDS = 600


@dataclass(frozen=True)
class MediaHashes:
    md5: str
    sha256: str
    pdq: list[str] = field(default_factory=list)  # one for an image, one per sampled frame for a video
    quality: list[int] = field(default_factory=list)
    frames: list[VideoFrame] = field(default_factory=list)  # a video's vPDQ, one frame a second
    hasher: str = "pdq"

    def as_evidence(self) -> dict[str, object]:
        evidence: dict[str, object] = {"md5": self.md5, "sha256": self.sha256}
        if self.frames:
            # Distinct frames only: what retroactive matching needs, a fraction of a long video's hashes.
            distinct: dict[str, VideoFrame] = {}
            for frame in self.frames:
                distinct.setdefault(frame.pdq, frame)
            evidence |= {
                "vpdq": [str(f) for f in distinct.values()],
                "vpdq_frames": len(self.frames),
                "hasher": self.hasher,
            }
        elif self.pdq:
            evidence |= {"pdq": self.pdq[0], "quality": self.quality[0]}
        return evidence


def bits_to_hex(bits: np.ndarray) -> str:
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return packed.tobytes().hex()


def pdq_of_image(image: Image.Image) -> tuple[str, int]:
    factor = max(image.size) // _PDQ_SIDE
    if image.mode in _REDUCED_FIRST_ALIKE:
        # The same pixels as converting first (an L image's three channels average alike), without the
        # full-size RGB copy: 108 MB at 36 MP, which made large images the costliest part of hashing.
        rgb = (image.reduce(factor) if factor >= 2 else image).convert("RGB")
    else:  # palettes, alpha, 16-bit: converted as they always were
        rgb = image.convert("RGB")
        if factor >= 2:
            rgb = rgb.reduce(factor)
    bits, quality = pdqhash.compute(np.asarray(rgb))
    return bits_to_hex(bits), int(quality)


def hash_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, budget: DecodeBudget = SHARED_BUDGET) -> MediaHashes:
    with decoded_image(data, max_pixels, budget) as image:
        digest, quality = pdq_of_image(image)
    return MediaHashes(hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), [digest], [quality])


def hash_video(data: bytes, max_seconds: int = MAX_VIDEO_SECONDS) -> MediaHashes:
    """vPDQ (one PDQ hash a second) plus MD5/SHA-256, within the duration, frame and time limits."""
    frames, hasher = video_frames(data, max_seconds)
    return MediaHashes(
        hashlib.md5(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        [f.pdq for f in frames],
        [f.quality for f in frames],
        frames,
        hasher,
    )
