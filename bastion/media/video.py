"""vPDQ of untrusted video: one PDQ hash per second of video, within a duration, frame and time limit.

Meta's `vpdq` package (built against Debian's libav*-dev) does the hashing when
it is installed; it runs in a child process so a hostile file can cost at most
`_DECODE_TIMEOUT` seconds and never takes the server down with it. Without
`vpdq`, ffmpeg samples one frame per second and PDQ hashes each frame: the
same sampling, slightly different frame choice (see docs/banks.md).
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bastion.core import ContentError

_PDQ_HEX = re.compile(r"^[0-9a-f]{64}$")

MAX_VIDEO_FRAMES = 600
_DECODE_TIMEOUT = 120
_SIDE = 512  # ffmpeg's frames are downsampled before hashing: PDQ works at 64x64 anyway


@dataclass(frozen=True)
class VideoFrame:
    pdq: str
    quality: int
    timestamp: float

    def __str__(self) -> str:
        """python-threatexchange's compact vPDQ feature: `hex,quality,timestamp`."""
        return f"{self.pdq},{self.quality},{self.timestamp:.3f}"

    @classmethod
    def parse(cls, text: str) -> VideoFrame:
        try:
            pdq, quality, timestamp = text.split(",")
            frame = cls(pdq.strip().lower(), int(quality), float(timestamp))
        except ValueError:
            raise ValueError(f"{text[:80]!r} is not a vPDQ frame (hex,quality,timestamp)") from None
        # Stricter than int(x, 16) and float() are: "0x..", Arabic-Indic digits or NaN would pass them
        # and break matching later (bytes.fromhex) rather than the import now.
        if not _PDQ_HEX.match(frame.pdq) or not 0 <= frame.quality <= 100 or not 0 <= frame.timestamp < math.inf:
            raise ValueError(f"{text[:80]!r} is not a vPDQ frame (hex,quality,timestamp)")
        return frame


def vpdq_available() -> bool:
    return importlib.util.find_spec("vpdq") is not None


def video_frames(data: bytes, max_seconds: int) -> tuple[list[VideoFrame], str]:
    """The video's frame hashes (one a second) and the name of the hasher that made them."""
    if not data:
        raise ContentError("the video is empty (0 bytes)")
    with tempfile.TemporaryDirectory(prefix="bastion-video-") as workdir:
        source = Path(workdir) / "video"
        source.write_bytes(data)
        duration = _duration(source)
        if duration > max_seconds:
            raise ContentError(f"the video lasts {duration:.0f} s; the limit is {max_seconds} s")
        if vpdq_available():
            frames, hasher = _vpdq_frames(source), "vpdq"
        else:
            frames, hasher = _ffmpeg_frames(source, Path(workdir)), "ffmpeg-1fps-pdq"
    if not frames:
        raise ContentError("the video has no decodable frames")
    return frames[:MAX_VIDEO_FRAMES], hasher


def _vpdq_frames(source: Path) -> list[VideoFrame]:
    output = _run([sys.executable, "-m", "bastion.media._vpdq_child", str(source)])
    try:
        return [VideoFrame(h, int(q), float(t)) for h, q, t in json.loads(output)]
    except (ValueError, TypeError):
        raise ContentError("the media is not a decodable video") from None


def _ffmpeg_frames(source: Path, workdir: Path) -> list[VideoFrame]:
    from bastion.media.hashing import pdq_of_image

    scale = f"fps=1,scale={_SIDE}:{_SIDE}:force_original_aspect_ratio=decrease"
    pattern = workdir / "frame-%05d.png"
    _run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(source),
            "-vf",
            scale,
            "-frames:v",
            str(MAX_VIDEO_FRAMES),
            "-an",
            str(pattern),
        ]
    )
    frames = []
    for second, path in enumerate(sorted(workdir.glob("frame-*.png"))):
        with Image.open(path) as image:
            pdq, quality = pdq_of_image(image)
        frames.append(VideoFrame(pdq, quality, float(second)))
    return frames


def _duration(source: Path) -> float:
    output = _run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(source)])
    try:
        return float(json.loads(output)["format"]["duration"])
    except (KeyError, ValueError, TypeError):
        raise ContentError("the media is not a decodable video") from None


def _run(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, timeout=_DECODE_TIMEOUT, check=False, text=True)
    except FileNotFoundError:
        raise ContentError("video hashing needs ffmpeg, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise ContentError(f"decoding the video took more than {_DECODE_TIMEOUT} s") from None
    if result.returncode != 0:
        raise ContentError("the media is not a decodable video")
    return result.stdout


def keyframes(data: bytes, max_seconds: int, count: int = 8, side: int = 1024) -> list[tuple[float, Image.Image]]:
    """Up to `count` key frames of the video, evenly spread over it, at most `side` px: where symbols are looked for.

    Same limits as hashing: the duration is checked first, and ffmpeg runs under the decode timeout."""
    if not data:
        raise ContentError("the video is empty (0 bytes)")
    with tempfile.TemporaryDirectory(prefix="bastion-keyframes-") as workdir:
        source = Path(workdir) / "video"
        source.write_bytes(data)
        duration = _duration(source)
        if duration > max_seconds:
            raise ContentError(f"the video lasts {duration:.0f} s; the limit is {max_seconds} s")
        every = max(duration / count, 0.001)
        scale = f"fps=1/{every:.3f},scale={side}:{side}:force_original_aspect_ratio=decrease"
        pattern = Path(workdir) / "key-%03d.png"
        _run(["ffmpeg", "-v", "error", "-i", str(source), "-vf", scale, "-frames:v", str(count), "-an", str(pattern)])
        frames = []
        for number, path in enumerate(sorted(Path(workdir).glob("key-*.png"))):
            with Image.open(path) as image:
                frames.append((round(number * every, 3), image.convert("RGB")))
    return frames
