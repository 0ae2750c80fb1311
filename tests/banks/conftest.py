"""Fictional images (shapes and made-up words, never real propaganda) and their transformed copies."""

from __future__ import annotations

import base64
import functools
import io
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from bastion.demo import demo_poster
from bastion.settings import Settings


def poster(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A made-up poster: coloured shapes and an invented caption, different for every seed."""
    return demo_poster(seed, size, f"CRIMSON DAWN {seed}")


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def transformed(image: Image.Image) -> dict[str, bytes]:
    width, height = image.size
    watermarked = image.copy()
    ImageDraw.Draw(watermarked).text(
        (width - 220, 10), "repost.example", fill="white", font=ImageFont.load_default(size=24)
    )
    return {
        "resized": encode(image.resize((width // 2, height // 2))),
        "jpeg": encode(image, "JPEG", quality=40),
        "cropped": encode(image.crop((6, 5, width - 6, height - 5))),
        "watermarked": encode(watermarked),
        "grayscale": encode(ImageOps.grayscale(image)),
    }


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    # The index looks for new entries on every check here, not every 2 s.
    return Settings(data_dir=tmp_path / "data", database_url=db_url, bank_refresh_seconds=0)


@pytest.fixture
def cli_env(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`bastion` commands run with CliRunner against this test's database; returns a scratch directory."""
    monkeypatch.setenv("BASTION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BASTION_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    from bastion.cli import _context

    for cached in (_context.settings, _context.database, _context.service):
        cached.cache_clear()
    return tmp_path


@functools.cache
def video(seeds: tuple[int, ...], fmt: str = "mp4", size: tuple[int, int] = (320, 240)) -> bytes:
    """A made-up slideshow, one poster a second, encoded by ffmpeg (H.264 MP4 or VP9 WebM); made once per run."""
    with tempfile.TemporaryDirectory(prefix="bastion-test-video-") as workdir:
        for number, seed in enumerate(seeds):
            poster(seed, size).save(Path(workdir) / f"slide-{number:03d}.png")
        if fmt == "mp4":
            codec = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
        else:
            codec = ["-c:v", "libvpx-vp9", "-deadline", "realtime"]
        out = Path(workdir) / f"slides.{fmt}"
        command = ["ffmpeg", "-v", "error", "-framerate", "1", "-i", f"{workdir}/slide-%03d.png", "-vf", "fps=5"]
        subprocess.run([*command, *codec, str(out)], check=True, timeout=60)
        return out.read_bytes()
