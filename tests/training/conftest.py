"""The fictional corpus and the model trained on it (tests/fictional_text.py), and a CLI set up to use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fictional_text import fictional_data, fictional_model, fictional_model_dir

__all__ = ["fictional_data", "fictional_model", "fictional_model_dir", "model_env"]


@pytest.fixture
def model_env(fictional_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`bastion eval` with the fictional model as its only detector, its data directory private to the test."""
    monkeypatch.setenv("BASTION_TEXT_MODEL_DIR", str(fictional_model_dir))
    monkeypatch.setenv("BASTION_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BASTION_DETECTORS", '["text"]')
    from bastion.cli._context import settings

    settings.cache_clear()
    return fictional_model_dir
