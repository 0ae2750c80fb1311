"""Symbols in video: the key frames are searched, and the signal says at which second the symbol was seen."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from bastion.core import Action, Bank, Item, Kind, Media, Verdict
from bastion.service import Service
from bastion.store.db import Database
from bastion.symbols.registry import add_symbol, create_symbol_bank
from tests.symbols.conftest import emblem_png, emblem_scene, lookalike_scene

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def _slideshow(directory: Path, frames: list[bytes]) -> bytes:
    """A made-up video, one still a second (H.264 MP4)."""
    for number, frame in enumerate(frames):
        (directory / f"still-{number}.png").write_bytes(frame)
    target = directory / "video.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-framerate",
            "1",
            "-i",
            str(directory / "still-%d.png"),
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-r",
            "4",
            str(target),
        ],
        check=True,
        timeout=60,
    )
    return target.read_bytes()


def test_a_symbol_in_a_video_frame_is_found_with_its_time(tmp_path: Path, db: Database, service: Service) -> None:
    with db.transaction() as tx:
        create_symbol_bank(tx, Bank(name="groups"), "test")
        add_symbol(tx, "groups", [emblem_png()], "Crimson Dawn emblem", "test")
    data = _slideshow(tmp_path, [lookalike_scene(), emblem_scene(fraction=0.3), lookalike_scene(seed=5)])
    item = Item(id="clip", kind=Kind.VIDEO, media=Media(base64=base64.b64encode(data).decode()))
    verdict = service.check([item], platform="p")[0]
    assert isinstance(verdict, Verdict) and verdict.action is Action.REVIEW
    [signal] = [s for s in verdict.signals if s.detector == "symbols"]
    assert signal.evidence["symbol"] == "Crimson Dawn emblem"
    assert 0.9 <= signal.evidence["frame_at"] < 2.1  # the second still
