"""The one interface every detector implements, and the content it sees.

A detector is a plain function of prepared content plus its own versioned
configuration: no I/O on the hot path, so verdicts can be replayed. Built-in
detectors and third-party ones register the same way, through the
`bastion.detectors` entry-point group (see `bastion.plugins`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from bastion.core import Item, Kind, Signal
from bastion.text.normalise import Normalised

if TYPE_CHECKING:
    from bastion.context import AppContext


@dataclass(frozen=True)
class TextField:
    """One text of an item (body, OCR text, title...) in original and normalised form."""

    name: str
    original: str
    normalised: Normalised


@dataclass(frozen=True)
class Content:
    """An item prepared for detectors: texts normalised once, media decoded once."""

    item: Item
    texts: tuple[TextField, ...] = ()
    lang: str | None = None
    media: bytes | None = None
    facts: dict[str, object] = field(default_factory=dict)  # e.g. {"ocr_text": ...}
    platform: str | None = None  # whose item: which hash banks apply; None (evaluation) = installation banks only

    @property
    def kind(self) -> Kind:
        return self.item.kind


class Detector(ABC):
    """Looks at prepared content and says what it sees, as signals."""

    name: ClassVar[str]
    version: str  # a class default; instances may refine it with their configuration's digest

    @classmethod
    @abstractmethod
    def from_context(cls, context: AppContext) -> Detector:
        """Build the detector from the process's context: its settings (lists, models, thresholds) and the
        resources it shares (the bank index); never open a database or read a file per item."""

    def applies_to(self, content: Content) -> bool:
        """Whether this detector has anything to look at; cheap, no side effects."""
        return True

    @abstractmethod
    def detect(self, content: Content) -> list[Signal]:
        """Signals about the content; an empty list means nothing found."""

    def detect_many(self, contents: Sequence[Content]) -> list[list[Signal]]:
        """Signals for several contents at once; models that score in batches override it."""
        return [self.detect(content) if self.applies_to(content) else [] for content in contents]


class Extractor(ABC):
    """Turns media into more text for detectors (OCR, video titles, transcripts).

    Registered in the `bastion.extractors` entry-point group.
    """

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_context(cls, context: AppContext) -> Extractor: ...

    @abstractmethod
    def extract(self, item: Item, media: bytes) -> dict[str, str]:
        """Named texts found in the media, e.g. {"ocr": "..."}; {} when none."""
