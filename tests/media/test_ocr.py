"""OCR: text inside an image reaches the text tiers and is kept as evidence."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from bastion.context import AppContext
from bastion.core import Item
from bastion.media.ocr import TesseractOcr, _for_ocr
from bastion.pipeline import Pipeline
from bastion.settings import Settings
from tests.detectors.contract import ExtractorContract


def _poster(text: str) -> bytes:
    image = Image.new("RGB", (900, 220), "white")
    ImageDraw.Draw(image).text((30, 80), text, fill="black", font=ImageFont.load_default(size=44))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _image_item(data: bytes) -> Item:
    return Item(id="poster-1", kind="image", media={"base64": base64.b64encode(data).decode()})


def test_reads_the_words_on_a_poster() -> None:
    ocr = TesseractOcr.from_context(AppContext.read_only(Settings()))
    poster = _poster("CRIMSON DAWN BRIGADE")
    found = ocr.extract(_image_item(poster), poster)
    assert "CRIMSON DAWN BRIGADE" in found["ocr"]


def test_a_blank_image_has_no_text() -> None:
    blank = io.BytesIO()
    Image.new("RGB", (300, 300), "white").save(blank, "PNG")
    ocr = TesseractOcr.from_context(AppContext.read_only(Settings()))
    assert ocr.extract(_image_item(blank.getvalue()), blank.getvalue()) == {}


@pytest.mark.parametrize("detectors", [["termlist", "text"]])
def test_ocr_text_goes_through_the_detectors_and_is_evidence(detectors: list[str]) -> None:
    pipeline = Pipeline.from_context(AppContext.read_only(Settings(detectors=detectors)))
    verdict = pipeline.check(_image_item(_poster("JOIN THE CRIMSON DAWN BRIGADE")))
    termlist = next(s for s in verdict.signals if s.detector == "termlist")
    assert termlist.category.is_violating
    assert any(span["field"] == "ocr" for span in termlist.evidence["spans"])
    text = next(s for s in verdict.signals if s.detector == "text")
    assert "CRIMSON DAWN" in text.evidence["ocr_text"]
    assert verdict.action.value == "review"


class TestOcrContract(ExtractorContract):
    def extractor(self) -> TesseractOcr:
        return TesseractOcr.from_context(AppContext.read_only(Settings()))

    def example(self) -> bytes:
        return _poster("CRIMSON DAWN BRIGADE")


@pytest.mark.parametrize("mode", ["L", "RGB", "P", "RGBA"])
def test_tesseract_is_shown_the_grey_pixels_an_rgb_copy_would_give(mode: str) -> None:
    """Grey and colour images go straight to grey, without the full-size RGB copy: the same pixels."""
    noise = np.random.default_rng(7).integers(0, 256, (700, 900, 4), dtype=np.uint8)
    image = Image.fromarray(noise, "RGBA").convert(mode)

    shown = _for_ocr(image)

    assert shown is not image
    assert np.array_equal(np.asarray(shown), np.asarray(ImageOps.grayscale(image.convert("RGB"))))
