"""Hashing throughput: PDQ + MD5 + SHA-256 images per second, and seconds of video hashed per second.

    PYTHONPATH=. .venv/bin/python bench/hash_throughput.py [--images 200] [--workers 2]

Images are made-up posters (JPEG, 1280x720 and 640x480, as platforms receive
them); the video is a 60 s 720p H.264 slideshow made with ffmpeg.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bastion.media.hashing import hash_image, hash_video
from bastion.media.video import vpdq_available
from tests.banks.conftest import encode, poster


def _images(count: int, size: tuple[int, int]) -> list[bytes]:
    return [encode(poster(seed, size), "JPEG", quality=85) for seed in range(count)]


def _pdq(data: bytes) -> str:
    return hash_image(data).pdq[0]


def bench_images(count: int, workers: int) -> None:
    for size in [(640, 480), (1280, 720)]:
        images = _images(count, size)
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_pdq, images[:workers]))  # warm the workers
            start = time.perf_counter()
            list(pool.map(_pdq, images, chunksize=8))
        rate = count / (time.perf_counter() - start)
        print(f"images {size[0]}x{size[1]}: {rate:7.0f} images/s on {workers} processes", flush=True)


def bench_video(seconds: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        for second in range(seconds):
            poster(second % 20, (1280, 720)).save(Path(workdir) / f"s-{second:03d}.png")
        out = Path(workdir) / "talk.mp4"
        command = ["ffmpeg", "-v", "error", "-framerate", "1", "-i", f"{workdir}/s-%03d.png", "-vf", "fps=25"]
        subprocess.run([*command, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)], check=True)
        data = out.read_bytes()
    start = time.perf_counter()
    hashes = hash_video(data)
    elapsed = time.perf_counter() - start
    print(
        f"video 720p25 H.264, {seconds} s: {seconds / elapsed:5.1f} s of video per s "
        f"({hashes.hasher}, {len(hashes.frames)} frames, one process)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--video-seconds", type=int, default=60)
    args = parser.parse_args()
    bench_images(args.images, args.workers)
    bench_video(args.video_seconds)
    if not vpdq_available():
        print("(vpdq is not installed: video was hashed by ffmpeg frame sampling)")


if __name__ == "__main__":
    main()
