"""OCR: the text inside images (memes, posters, leaflet photos), read by Tesseract.

Tesseract comes from Debian's packages (installed by the README's set-up) with
Latin, Arabic and Cyrillic scripts. The text it finds goes through the same
normaliser and text tiers as any post, and is kept as evidence. A machine
without Tesseract still checks images: OCR then finds nothing, and says so once.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import pytesseract
import structlog
from PIL import Image, ImageOps

from bastion.core import Item, Kind
from bastion.detectors.base import Extractor
from bastion.media.images import SHARED_BUDGET, DecodeBudget, decoded_image

if TYPE_CHECKING:
    from bastion.context import AppContext

log = structlog.get_logger(__name__)
_MIN_LETTERS = 3
_SMALL_SIDE = 600  # Tesseract reads text of ~30 px height best; small images are enlarged
# Tesseract is a process of its own, holding no lock of ours: it runs at the lowest priority (`nice -n 19`,
# capped at 19), so that a burst of large images takes the cores only when ordinary checks leave them idle.
_TESSERACT_NICE = 19


class TesseractOcr(Extractor):
    name = "ocr"

    def __init__(self, languages: str, timeout: float, max_pixels: int, budget: DecodeBudget = SHARED_BUDGET) -> None:
        self.languages = languages
        self.timeout = timeout
        self.max_pixels = max_pixels
        self.budget = budget

    @classmethod
    def from_context(cls, context: AppContext) -> TesseractOcr:
        s = context.settings
        return cls(s.ocr_languages, s.ocr_timeout, s.max_image_pixels, context.decode_budget())

    def extract(self, item: Item, media: bytes) -> dict[str, str]:
        if item.kind is not Kind.IMAGE or not _tesseract_available():
            return {}
        with decoded_image(media, self.max_pixels, self.budget) as decoded:
            image = _for_ocr(decoded)
            try:
                text = pytesseract.image_to_string(
                    image, lang=self.languages, timeout=self.timeout, nice=_TESSERACT_NICE
                ).strip()
            except RuntimeError:  # pytesseract's timeout
                log.warning("ocr timed out", item=item.id, timeout=self.timeout)
                return {}
            finally:
                image.close()
        if sum(char.isalpha() for char in text) < _MIN_LETTERS:
            return {}
        return {"ocr": text}


def _for_ocr(image: Image.Image) -> Image.Image:
    """The image in grey (a new image: pytesseract relabels its format), enlarged if small. L and RGB images
    convert straight to grey: the same pixels as through an RGB copy, without two full-size conversions
    (144 MB and a third of the CPU an image cost in the process at 36 MP)."""
    straight = image.mode in ("L", "RGB")  # palettes, alpha, 16-bit: through RGB as they always were
    gray = image.convert("L") if straight else ImageOps.grayscale(image.convert("RGB"))
    shortest = min(gray.size)
    if 0 < shortest < _SMALL_SIDE:
        factor = _SMALL_SIDE / shortest
        gray = gray.resize((round(gray.width * factor), round(gray.height * factor)), Image.Resampling.LANCZOS)
    return gray


@cache
def _tesseract_available() -> bool:
    try:
        pytesseract.get_tesseract_version()
        return True
    except (pytesseract.TesseractNotFoundError, OSError):
        log.warning("tesseract is not installed; images are checked without OCR")
        return False
