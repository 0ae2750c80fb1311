"""Plugins are built from one application context and share its resources."""

from __future__ import annotations

from pathlib import Path

from bastion.context import AppContext
from bastion.detectors.text_model import TextModelDetector
from bastion.pipeline import Pipeline
from bastion.settings import Settings


def test_the_text_model_is_loaded_once_per_context(tmp_path: Path) -> None:
    context = AppContext.read_only(Settings(data_dir=tmp_path))
    first, second = TextModelDetector.from_context(context), TextModelDetector.from_context(context)
    assert first.model is second.model is context.text_model()


def test_a_read_only_context_creates_no_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    pipeline = Pipeline.from_context(AppContext.read_only(Settings(data_dir=data_dir)))
    assert {"hashes", "text"} <= {d.name for d in pipeline.detectors}
    assert not data_dir.exists()


def test_an_open_context_creates_its_database_and_keeps_one_bank_index(tmp_path: Path) -> None:
    context = AppContext.open(Settings(data_dir=tmp_path))
    assert (tmp_path / "bastion.db").is_file()
    assert context.writable and context.bank_matcher() is context.bank_matcher()
