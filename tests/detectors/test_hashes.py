"""The hash detector keeps the detector contract, with its banks from the one application context."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bastion.banks.entries import add_entries, create_bank
from bastion.banks.media import entries_from_media
from bastion.context import AppContext
from bastion.core import Bank, Category
from bastion.demo import demo_poster
from bastion.detectors.base import Content, Detector
from bastion.detectors.hashes import HashDetector
from bastion.media.hashing import hash_image
from bastion.settings import Settings
from tests.detectors.contract import DetectorContract, media_content_of


def _png(seed: int) -> bytes:
    buffer = io.BytesIO()
    demo_poster(seed).save(buffer, "PNG")
    return buffer.getvalue()


class TestHashDetectorContract(DetectorContract):
    @pytest.fixture(autouse=True)
    def _context(self, tmp_path: Path) -> None:
        context = AppContext.open(Settings(data_dir=tmp_path))
        entries = entries_from_media("poster.png", hash_image(_png(1)), ["fictional poster"], "test")
        with context.db.transaction() as tx:  # type: ignore[union-attr]
            create_bank(tx, Bank(name="known"), "test", Category.PROPAGANDA)
            add_entries(tx, "known", entries, "test")
        self.context = context

    def detector(self) -> Detector:
        return HashDetector.from_context(self.context)

    def flagged(self) -> Content:
        return media_content_of(_png(1))

    def test_the_match_is_the_banked_entry(self) -> None:
        [signal] = self.detector().detect(self.flagged())
        assert signal.category is Category.PROPAGANDA
        assert signal.evidence["exact"] is True
        assert signal.evidence["match"]["bank"] == "known"

    def test_detectors_share_the_contexts_one_bank_index(self) -> None:
        first, second = HashDetector.from_context(self.context), HashDetector.from_context(self.context)
        assert first.matcher is second.matcher is self.context.bank_matcher()


def test_without_a_database_media_is_hashed_and_matched_against_nothing(tmp_path: Path) -> None:
    context = AppContext.read_only(Settings(data_dir=tmp_path / "absent"))
    [signal] = HashDetector.from_context(context).detect(media_content_of(_png(1)))
    assert signal.category is Category.BENIGN and signal.evidence["match"] is None
    assert signal.evidence["hashes"]["pdq"]
    assert not (tmp_path / "absent").exists()
