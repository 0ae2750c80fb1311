"""Symbols in new images: registered emblems found by local features, with the region as evidence.

Every image (and a video's key frames) is searched for the symbols of the banks that apply to the item's
platform. A match names the symbol, its bank, a score and the outline where it was found, in the image's
own pixels. A look-alike from an allow bank found on the same spot vetoes it. In an item that presents
itself as news or research, the symbol is reported as that context, never as an accusation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PIL import Image

from bastion.core import Category, ContentError, Kind, Signal
from bastion.detectors.base import Content, Detector
from bastion.media.images import SHARED_BUDGET, DecodeBudget, decoded_image
from bastion.media.video import keyframes
from bastion.symbols.context import protected_context
from bastion.symbols.index import Findings, SymbolIndex

if TYPE_CHECKING:
    from bastion.context import AppContext

_TEXT_FIELDS = ("text", "title", "ocr")


class SymbolDetector(Detector):
    name = "symbols"
    version = "1"

    def __init__(
        self,
        index: SymbolIndex | None,
        max_pixels: int,
        max_video_seconds: int,
        budget: DecodeBudget = SHARED_BUDGET,
    ) -> None:
        self.index = index
        self.max_pixels = max_pixels
        self.max_video_seconds = max_video_seconds
        self.budget = budget

    @classmethod
    def from_context(cls, context: AppContext) -> SymbolDetector:
        """Matches against the context's symbol index; without a database (a dry run on nothing) it finds nothing."""
        s = context.settings
        return cls(context.symbol_index(), s.max_image_pixels, s.max_video_seconds, context.decode_budget())

    def applies_to(self, content: Content) -> bool:
        return content.media is not None and self.index is not None and bool(self.index.symbols())

    def detect(self, content: Content) -> list[Signal]:
        assert self.index is not None
        best: tuple[Findings, dict[str, Any]] | None = None
        for where, pixels in self._images(content):
            findings = self.index.find(pixels, content.platform)
            if (findings.matches or findings.vetoed) and (best is None or _top(findings) > _top(best[0])):
                best = (findings, where)
        if best is None:
            return []
        return [self._signal(content, *best)]

    def _images(self, content: Content) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
        """The pixels to search: the image, or the video's key frames. Media that is neither is skipped,
        unless the item says it is an image or a video (then it is refused, as the hash detector does).
        An image's pixels count against the process's decode budget until its search is done."""
        assert content.media is not None
        if content.kind is Kind.VIDEO:
            for at, image in keyframes(content.media, self.max_video_seconds):
                yield {"frame_at": at, "image_size": list(image.size)}, _pixels(image)
            return
        try:
            with decoded_image(content.media, self.max_pixels, self.budget) as image:
                yield {"image_size": list(image.size)}, _pixels(image)
        except ContentError:
            if content.kind is Kind.IMAGE:
                raise

    def _signal(self, content: Content, findings: Findings, where: dict[str, Any]) -> Signal:
        evidence: dict[str, Any] = dict(where)
        if findings.vetoed:
            evidence["vetoed_by"] = [
                {**match.as_evidence(), "look_alike": veto.as_evidence()} for match, veto in findings.vetoed
            ]
        if not findings.matches:
            evidence |= {"match": None, "matches": []}
            return Signal(
                detector=self.name, version=self.version, category=Category.BENIGN, score=0.0, evidence=evidence
            )
        top = findings.matches[0]
        evidence |= {
            "match": top.as_evidence(),
            "matches": [f.as_evidence() for f in findings.matches],
            "symbol": top.symbol.label,
            "bank": top.symbol.bank,
            "score": top.match.score,
            "polygon": [list(p) for p in top.match.polygon],
        }
        category = Category(top.symbol.category)
        texts = [f.original for f in content.texts if f.name in _TEXT_FIELDS]
        context = protected_context(texts, content.item.metadata.get("context"))
        if context is not None:
            # Shown, with its region, but as what the item is: the policy never acts on a protected context.
            category, evidence["context"] = context[0], {"category": context[0].value, "cue": context[1]}
        return Signal(
            detector=self.name, version=self.version, category=category, score=top.match.score, evidence=evidence
        )


def _top(findings: Findings) -> float:
    scores = [f.match.score for f in findings.matches] or [0.0]
    return max(scores)


def _pixels(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)
