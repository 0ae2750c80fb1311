"""Fictional emblems and scenes for the symbol tests (drawn by code; no real group's symbol), and the CLI's env."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.symbols.demo_art import crimson_dawn_emblem, harbour_festival_badge, png, scene_with, sunrise_town_badge
from tests.cli_env import cli_env as fresh_cli

__all__ = ["png"]


@pytest.fixture
def cli_env(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`bastion` commands run with CliRunner against this test's database; returns a scratch directory."""
    monkeypatch.setenv("COLUMNS", "200")
    with fresh_cli(monkeypatch, tmp_path / "data", db_url):
        yield tmp_path


def emblem_png() -> bytes:
    return png(crimson_dawn_emblem())


def lookalike_png() -> bytes:
    return png(harbour_festival_badge())


def emblem_scene(fraction: float = 0.25, seed: int = 1) -> bytes:
    return png(scene_with(crimson_dawn_emblem(), fraction=fraction, seed=seed))


def lookalike_scene(seed: int = 2) -> bytes:
    return png(scene_with(harbour_festival_badge(), fraction=0.3, seed=seed))


def plain_scene(seed: int = 3) -> bytes:
    return png(scene_with(harbour_festival_badge(), fraction=0.0001, seed=seed))


def town_badge_png() -> bytes:
    return png(sunrise_town_badge())


def town_badge_scene(seed: int = 4) -> bytes:
    return png(scene_with(sunrise_town_badge(), fraction=0.3, seed=seed))
