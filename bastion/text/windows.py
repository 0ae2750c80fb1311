"""Long texts read in windows, so that a post padded with benign text is read on its own.

The text tiers read a text as one document: their n-gram features and
sentence vector average over all of it, so a recruitment post at the end of a
pasted article scores like the article. A text longer than a window is cut
into windows: each line apart, as the post it often is, and a line longer than
a window into overlapping windows that end where it breaks (a sentence, a
word; a bare cut only where a window's second half has no break at all, as in
a long run of CJK characters). Each window is read like an ordinary text, and
the text's reading is its most TVEC-like window's.

Each window is one more chance for a false positive, and the deep tier is
the costly part, so a text's windows are ranked by the fast tier and only its
`deep_windows` most TVEC-like are read by the whole cascade (faith-neutral
deep reading included). Read by the fast tier alone, none of the others could
beat them (its share is below theirs); only the deep tier could have raised one,
and the evidence says how many windows the cascade read of how many.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bastion.text.langid import UNDETERMINED, identify_language
from bastion.text.model import TextModel, TextScore, features, prepare
from bastion.text.normalise import normalise_text

if TYPE_CHECKING:
    from bastion.settings import Settings

# Where a window may end, best first; a window ends after the last break of the best kind in its second half.
_BREAKS = (
    re.compile(r"\n[^\S\n]*\n\s*"),  # a blank line: paragraphs
    re.compile(r"\n\s*"),  # a line
    re.compile(r"[.!?;。！？؟۔।]+[\"'”’»)\]]*\s+"),  # a sentence
    re.compile(r"\s+"),  # a word
    re.compile(r"[^\w\s]+"),  # punctuation inside a run with no space (a long URL, a hashtag chain)
)
_SPACE = re.compile(r"\s+")
_LINE_END = re.compile(r"\n\s*")


@dataclass(frozen=True)
class Window:
    """Characters [start, end) of the original text."""

    start: int
    end: int


@dataclass(frozen=True)
class WindowLimits:
    """Texts longer than `chars` are read in windows of at most `chars` that overlap by about `overlap`
    characters; the whole cascade reads at most `deep_windows` of a text's windows."""

    chars: int = 300
    overlap: int = 140
    deep_windows: int = 8

    @classmethod
    def of(cls, settings: Settings) -> WindowLimits:
        return cls(settings.text_window_chars, settings.text_window_overlap, settings.text_deep_windows)

    def __post_init__(self) -> None:
        if not 0 <= self.overlap < self.chars // 2:
            raise ValueError("the windows' overlap must be under half their size")
        if self.deep_windows < 1:
            raise ValueError("the cascade must read at least one window of a text")


def split_windows(text: str, size: int, overlap: int) -> list[Window]:
    """Windows of at most `size` characters that cover the text, cut at its breaks.

    A line is read apart from the lines around it, as the post it often is (short lines together, up to an
    eighth of a window); a line longer than a window is read in windows that overlap by about `overlap`
    characters, so any stretch of it up to `overlap` characters long, less a word, lies whole in one."""
    if overlap >= size // 2:
        raise ValueError("the windows' overlap must be under half their size")
    windows: list[Window] = []
    for start, end in _blocks(text, size // 8):
        while end - start > size:
            cut = _end_of_window(text, start, size)
            windows.append(Window(start, cut))
            start = _start_of_next(text, start, cut, overlap)
        windows.append(Window(start, end))
    return windows


def _blocks(text: str, least: int) -> list[tuple[int, int]]:
    """Runs of whole lines (with the blank lines after them), each of at least `least` characters but the last."""
    blocks, start = [], 0
    for line_end in _LINE_END.finditer(text):
        if line_end.end() - start >= least and line_end.end() < len(text):
            blocks.append((start, line_end.end()))
            start = line_end.end()
    return [*blocks, (start, len(text))]


def _end_of_window(text: str, start: int, size: int) -> int:
    """After the last break of the best kind in the window's second half; a bare cut where it has none."""
    low, high = start + size // 2, start + size
    for pattern in _BREAKS:
        ends = [found.end() for found in pattern.finditer(text, low, high)]
        if ends:
            return ends[-1]
    return high


def _start_of_next(text: str, start: int, end: int, overlap: int) -> int:
    """The first word that starts `overlap` characters or less before the window's end."""
    if overlap == 0:
        return end
    target = end - overlap
    space = _SPACE.search(text, target - 1, end)  # from one before: a word starting right at the target counts
    if space is not None:  # its end is at most the window's: a word starting right at it starts the next window
        return space.end()
    return max(target, start + 1)


@dataclass(frozen=True)
class Reading:
    """What the text tiers said about one text: of all of it, or of its most TVEC-like window."""

    score: TextScore
    lang: str | None  # the language it was judged in: the window's own when the item did not declare one
    window: Window | None = None  # None: the text was read whole
    windows: int = 1  # how many windows the text was cut into
    read_in_full: int = 1  # of them, how many the whole cascade read


@dataclass(frozen=True)
class TextToRead:
    original: str
    lang: str | None  # the item's language, declared or identified on all its texts
    declared: bool  # the sender gave the language: every window is in it


def read_texts(model: TextModel, texts: Sequence[TextToRead], limits: WindowLimits) -> list[Reading]:
    """Each text's reading: short texts exactly as `TextModel.score` reads them, long ones by their windows."""
    readings: list[Reading | None] = [None] * len(texts)
    short = [index for index, text in enumerate(texts) if len(text.original) <= limits.chars]
    scores = model.score([prepare(texts[i].original) for i in short], [texts[i].lang for i in short])
    for index, score in zip(short, scores, strict=True):
        readings[index] = Reading(score, texts[index].lang)
    long = [index for index, text in enumerate(texts) if len(text.original) > limits.chars]
    for index, reading in zip(long, _read_long(model, [texts[i] for i in long], limits), strict=True):
        readings[index] = reading
    return [reading for reading in readings if reading is not None]


def _read_long(model: TextModel, texts: Sequence[TextToRead], limits: WindowLimits) -> list[Reading]:
    """All windows of all the texts ranked at once by the fast tier; each text's top ones read in full."""
    cut = [split_windows(text.original, limits.chars, limits.overlap) for text in texts]
    pieces = [text.original[w.start : w.end] for text, windows in zip(texts, cut, strict=True) for w in windows]
    if not pieces:
        return []
    prepared = [prepare(piece) for piece in pieces]
    p_fast = model.fast.probabilities(features(prepared))[:, 0]
    chosen: list[tuple[int, int]] = []  # (text, window's row in `pieces`)
    first = 0
    for number, windows in enumerate(cut):
        ranked = first + np.argsort(-p_fast[first : first + len(windows)], kind="stable")
        chosen += [(number, int(row)) for row in ranked[: limits.deep_windows]]
        first += len(windows)
    langs = [_window_lang(texts[number], pieces[row]) for number, row in chosen]
    scores = model.score([prepared[row] for _, row in chosen], langs)
    best: dict[int, Reading] = {}
    starts = np.cumsum([0] + [len(windows) for windows in cut])
    for (number, row), lang, score in zip(chosen, langs, scores, strict=True):
        if number not in best or score.p_tvec > best[number].score.p_tvec:
            window = cut[number][row - int(starts[number])]
            read = min(limits.deep_windows, len(cut[number]))
            best[number] = Reading(score, lang, window, len(cut[number]), read)
    return [best[number] for number in range(len(texts))]


def _window_lang(text: TextToRead, piece: str) -> str | None:
    """The window's language as the whole-text path finds it: the declared one, else identified on the
    window's normalised text; the item's where the window alone cannot tell."""
    if text.declared:
        return text.lang
    found = identify_language(normalise_text(piece))
    return text.lang if found == UNDETERMINED else found
