"""Hashes of media: MD5 and SHA-256 of the bytes, PDQ of images and of sampled video frames.

PDQ hex strings follow python-threatexchange (the 256 bits in pdqhash's order,
four to a hex digit), so banks exchanged with ThreatExchange and HMA compare
bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

from bastion.core import ContentError
from bastion.media.images import DEFAULT_MAX_PIXELS, open_image

PDQ_BITS = 256
_PDQ_SIDE = 512  # PDQ downsamples anyway; a bounded size bounds the work
MAX_VIDEO_SECONDS = 600
MAX_VIDEO_FRAMES = 600
_FFMPEG_TIMEOUT = 120


@dataclass(frozen=True)
class MediaHashes:
    md5: str
    sha256: str
    pdq: list[str] = field(default_factory=list)  # one for an image, one per sampled frame for a video
    quality: list[int] = field(default_factory=list)

    def as_evidence(self) -> dict[str, object]:
        evidence: dict[str, object] = {"md5": self.md5, "sha256": self.sha256}
        if len(self.pdq) == 1:
            evidence |= {"pdq": self.pdq[0], "quality": self.quality[0]}
        elif self.pdq:
            evidence |= {"vpdq_frames": len(self.pdq)}
        return evidence


def bits_to_hex(bits: np.ndarray) -> str:
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return packed.tobytes().hex()


def pdq_of_image(image: Image.Image) -> tuple[str, int]:
    rgb = image.convert("RGB")
    if max(rgb.size) > _PDQ_SIDE:
        rgb.thumbnail((_PDQ_SIDE, _PDQ_SIDE))
    bits, quality = pdqhash.compute(np.asarray(rgb))
    return bits_to_hex(bits), int(quality)


def hash_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> MediaHashes:
    digest, quality = pdq_of_image(open_image(data, max_pixels))
    return MediaHashes(hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), [digest], [quality])


def hash_video(data: bytes, max_seconds: int = MAX_VIDEO_SECONDS) -> MediaHashes:
    """PDQ of one frame per second (vPDQ's sampling), within a duration and frame cap."""
    if not data:
        raise ContentError("the video is empty (0 bytes)")
    with tempfile.TemporaryDirectory(prefix="bastion-video-") as workdir:
        source = Path(workdir) / "video"
        source.write_bytes(data)
        duration = _duration(source)
        if duration > max_seconds:
            raise ContentError(f"the video lasts {duration:.0f} s; the limit is {max_seconds} s")
        _run_ffmpeg(
            [
                "ffmpeg",
                "-v",
                "error",
                "-i",
                str(source),
                "-vf",
                "fps=1,scale=512:512:force_original_aspect_ratio=decrease",
                "-frames:v",
                str(MAX_VIDEO_FRAMES),
                "-an",
                f"{workdir}/frame-%05d.png",
            ]
        )
        frames = sorted(Path(workdir).glob("frame-*.png"))
        if not frames:
            raise ContentError("the video has no decodable frames")
        hashed = [pdq_of_image(Image.open(frame)) for frame in frames]
    return MediaHashes(
        hashlib.md5(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
        [h for h, _ in hashed],
        [q for _, q in hashed],
    )


def _duration(source: Path) -> float:
    output = _run_ffmpeg(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(source)])
    try:
        return float(json.loads(output)["format"]["duration"])
    except (KeyError, ValueError, TypeError):
        raise ContentError("the media is not a decodable video") from None


def _run_ffmpeg(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, timeout=_FFMPEG_TIMEOUT, check=False, text=True)
    except FileNotFoundError:
        raise ContentError("video hashing needs ffmpeg, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise ContentError(f"decoding the video took more than {_FFMPEG_TIMEOUT} s") from None
    if result.returncode != 0:
        raise ContentError("the media is not a decodable video") from None
    return result.stdout
