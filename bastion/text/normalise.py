"""Fold the tricks people use to dodge text filters, keeping a map back to the original.

Every text is normalised before any detector reads it. The map lets evidence
spans found in normalised text be shown on the original in the review UI.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

# Characters that render as nothing or reorder text: zero-width, bidi controls,
# soft hyphen, variation selectors, Arabic tatweel (a stretcher, not a letter).
_INVISIBLE = {0x00AD, 0x034F, 0x061C, 0x0640, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF}
# Arabic harakat, superscript alef and Quranic marks: optional in ordinary writing.
_ARABIC_MARKS = set(range(0x0610, 0x061B)) | set(range(0x064B, 0x0660)) | {0x0670} | set(range(0x06D6, 0x06EE))

# Latin look-alikes from Cyrillic and Greek, folded only inside words that also
# use Latin letters, so that Russian or Greek text is left as it is.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "к": "k",
        "м": "m",
        "т": "t",
        "н": "h",
        "в": "b",
        "ԁ": "d",
        "ɡ": "g",
        "α": "a",
        "ο": "o",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
    }
)
# Digits and symbols standing for letters, folded only inside words with letters.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})

_WORD = re.compile(r"[\w@$!]*\w")  # a trailing "!" is punctuation, not a leet "i"
_LATIN = re.compile(r"[a-z]")
_LETTER = re.compile(r"[^\W\d_]")
# Three or more single letters separated by one space, dot, dash or underscore: "i s i s".
_SPACED = re.compile(r"(?<![\w])(?:[^\W\d_][ .\-_]){2,}[^\W\d_](?![\w])")
_REPEATS = re.compile(r"(.)\1{2,}")
_RUNS = re.compile(r"[!-~]+|\s+|.", re.DOTALL)
_ASCII_PRINTABLE = frozenset(chr(code) for code in range(0x21, 0x7F))


@dataclass(frozen=True)
class Normalised:
    """Normalised text and, for each of its characters, the index it came from.

    Every detector reads the text; only a hit needs the map (to show its span on the original), and
    building it a character at a time costs four times the text itself, so it is built when first asked.
    """

    text: str
    original: str = field(repr=False)

    @cached_property
    def source(self) -> tuple[int, ...]:
        return normalise_mapped(self.original)[1]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced text[start:end]."""
        if not self.source or start >= end:
            return (0, 0)
        return (self.source[start], self.source[end - 1] + 1)


def normalise(text: str) -> Normalised:
    """Normalise text for matching; idempotent, total, linear in the length."""
    return Normalised(normalise_text(text), text)


def normalise_mapped(text: str) -> tuple[str, tuple[int, ...]]:
    """The normalised text, worked out a character at a time with the index each character came from
    (`normalise_text` reads the same text off whole strings)."""
    chars, source = _fold_characters(text)
    while True:
        # Joining "a b c" or collapsing "aaa" can make a word that folds further
        # ("a.à_е" → "aàе" → "aàe"), and folding can make letters to join ("a 0_a" →
        # "a o_a" → "aoa"): repeat until nothing changes, which is one pass for
        # nearly every text. A fold keeps the length, so the text itself is compared.
        before = "".join(chars)
        chars, source = _join_spaced_letters(chars, source)
        chars, source = _fold_words(chars, source)
        chars, source = _collapse_repeats(chars, source)
        after = "".join(chars)
        if after == before:
            return after, tuple(source)


def normalise_text(text: str) -> str:
    """Just the normalised string: what `normalise_mapped(text)` reads, without building the map.

    The model reads every text through this, so it works on whole strings with
    C-level `str.translate` and regex substitutions instead of per-character lists.
    """
    folded = _SPACES.sub(" ", text.translate(_CHARACTER_FOLDS)).strip(" ")
    while True:
        before = folded
        folded = _SPACED.sub(_without_separators, folded)
        if _FOLDABLE.search(folded):  # most texts have no look-alike or leet character at all
            folded = _WORD.sub(_fold_word, folded)
        folded = _REPEATS.sub(r"\1", folded)
        if folded == before:
            return folded


class _CharacterFolds(dict[int, str]):
    """What `_fold_characters` makes of each character alone, worked out on first sight and kept."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isspace():
            folded = " "
        elif char in _ASCII_PRINTABLE:
            folded = char.lower()
        else:
            kept: list[str] = []
            _fold_one(char, code, kept, [])
            folded = "".join(kept)
        self[code] = folded
        return folded


_CHARACTER_FOLDS = _CharacterFolds()
_SPACES = re.compile(" {2,}")
_SEPARATORS = str.maketrans("", "", " .-_")
_FOLDABLE = re.compile("[" + re.escape("".join(map(chr, {**_HOMOGLYPHS, **_LEET}))) + "]")


def _without_separators(run: re.Match[str]) -> str:
    return run.group().translate(_SEPARATORS)


def _fold_word(word: re.Match[str]) -> str:
    token = word.group()
    if not _LETTER.search(token):
        return token
    folded = token.translate(_HOMOGLYPHS) if _LATIN.search(token) else token
    return folded.translate(_LEET) if _LATIN.search(folded) else folded


def _fold_characters(text: str) -> tuple[list[str], list[int]]:
    chars: list[str] = []
    source: list[int] = []
    # Printable ASCII runs need only lower-casing: handled a run at a time,
    # the rest a character at a time (NFKC, casefold, dropping invisibles).
    for piece in _RUNS.finditer(text):
        start, run = piece.start(), piece.group()
        if run[0] in _ASCII_PRINTABLE:
            chars.extend(run.lower())
            source.extend(range(start, piece.end()))
        elif run.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                source.append(start)
        else:
            _fold_one(run, start, chars, source)
    while chars and chars[-1] == " ":
        chars.pop()
        source.pop()
    while chars and chars[0] == " ":
        chars.pop(0)
        source.pop(0)
    return chars, source


def _fold_one(char: str, index: int, chars: list[str], source: list[int]) -> None:
    for folded in unicodedata.normalize("NFKC", char).casefold():
        if _is_dropped(folded):
            continue
        if folded.isspace():
            if chars and chars[-1] == " ":
                continue
            folded = " "
        chars.append(folded)
        source.append(index)


def _is_dropped(char: str) -> bool:
    code = ord(char)
    if code in _INVISIBLE or code in _ARABIC_MARKS or 0xFE00 <= code <= 0xFE0F:
        return True
    category = unicodedata.category(char)
    if category == "Cf" or (category == "Cc" and not char.isspace()):
        return True
    # Combining marks on Latin letters ("ķ ï ḽ ḽ" tricks); NFKC already composed
    # the ordinary accented letters, so what remains here is decoration.
    return category == "Mn" and code < 0x0370


def _fold_words(chars: list[str], source: list[int]) -> tuple[list[str], list[int]]:
    text = "".join(chars)
    out = list(chars)
    for word in _WORD.finditer(text):
        out[word.start() : word.end()] = list(_fold_word(word))
    return out, source


def _join_spaced_letters(chars: list[str], source: list[int]) -> tuple[list[str], list[int]]:
    text = "".join(chars)
    keep = [True] * len(chars)
    for run in _SPACED.finditer(text):
        for offset in range(run.start(), run.end()):
            if text[offset] in " .-_":
                keep[offset] = False
    return _select(chars, source, keep)


def _collapse_repeats(chars: list[str], source: list[int]) -> tuple[list[str], list[int]]:
    text = "".join(chars)
    keep = [True] * len(chars)
    for run in _REPEATS.finditer(text):
        for offset in range(run.start() + 1, run.end()):
            keep[offset] = False
    return _select(chars, source, keep)


def _select(chars: list[str], source: list[int], keep: list[bool]) -> tuple[list[str], list[int]]:
    return (
        [c for c, k in zip(chars, keep, strict=True) if k],
        [s for s, k in zip(source, keep, strict=True) if k],
    )
