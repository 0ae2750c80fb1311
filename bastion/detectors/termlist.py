"""Term lists: per-language phrases and patterns with weights and categories.

Lists are YAML files (see `bastion/data/termlists/`), matched on normalised
text, so "J O I N", "jоin" (Cyrillic o) and "j0in" all meet the phrase "join".
Weights are TVEC likelihoods; several hits in one category combine as
independent evidence, 1 - Π(1 - w).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bastion.core import Category, Signal
from bastion.detectors.base import Content, Detector, TextField
from bastion.text.normalise import normalise_text
from bastion.text.required_literals import Required, RequiredScan, fold, required_literals

if TYPE_CHECKING:
    from bastion.context import AppContext


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phrase: str | None = None
    regex: str | None = None
    category: Category
    weight: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_pattern(self) -> Term:
        if (self.phrase is None) == (self.regex is None):
            raise ValueError("a term has exactly one of 'phrase' or 'regex'")
        if self.regex is not None:
            re.compile(self.regex)
        return self

    def pattern(self) -> str:
        if self.regex is not None:
            return self.regex
        words = normalise_text(self.phrase or "").split()
        return r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"


class TermList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: int = 1
    langs: list[str] | Literal["*"] = "*"
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    terms: list[Term]

    def applies_to_lang(self, lang: str | None) -> bool:
        return self.langs == "*" or lang is None or lang in self.langs


@dataclass(frozen=True)
class _CompiledTerm:
    pattern: re.Pattern[str]
    term: Term
    required: Required  # strings one of which the text must hold (folded) for the pattern to have a chance

    @classmethod
    def of(cls, term: Term) -> _CompiledTerm:
        source = term.pattern()
        return cls(re.compile(source, re.IGNORECASE), term, required_literals(source, re.IGNORECASE))


@dataclass(frozen=True)
class _Compiled:
    source: TermList
    terms: tuple[_CompiledTerm, ...]


_Hits = dict[Category, list[tuple[float, dict[str, object], str]]]  # per category: (weight, span, list's name)


class TermListError(ValueError):
    """A term-list file does not parse; the message names the file."""


def load_term_lists(directory: Path) -> list[TermList]:
    lists = []
    for path in sorted(directory.glob("*.y*ml")):
        try:
            lists.append(TermList.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))))
        except (yaml.YAMLError, ValueError, re.error) as error:
            raise TermListError(f"{path}: {error}") from None
    return lists


class TermListDetector(Detector):
    name = "termlist"
    version = "1"

    def __init__(self, lists: list[TermList]) -> None:
        self._lists = [_Compiled(tl, tuple(_CompiledTerm.of(t) for t in tl.terms)) for tl in lists]
        self._every_term = [(i, term) for i, compiled in enumerate(self._lists) for term in compiled.terms]
        self._scan = RequiredScan([term.required for _, term in self._every_term])
        digest = hashlib.sha256("".join(tl.model_dump_json() for tl in lists).encode()).hexdigest()[:8]
        self.version = f"1+{digest}"  # the lists are configuration: their content versions the detector

    @classmethod
    def from_context(cls, context: AppContext) -> TermListDetector:
        return cls(load_term_lists(context.settings.term_lists_dir))

    def applies_to(self, content: Content) -> bool:
        return bool(content.texts) and bool(self._lists)

    def detect(self, content: Content) -> list[Signal]:
        hits: _Hits = {}
        to_run = [self._terms_to_run(field.normalised.text) for field in content.texts]
        for list_index, compiled in enumerate(self._lists):
            if compiled.source.applies_to_lang(content.lang):
                for field, terms_by_list in zip(content.texts, to_run, strict=True):
                    _add_hits(hits, compiled.source.name, field, terms_by_list[list_index])
        return self._signals_of(hits)

    def _signals_of(self, hits: _Hits) -> list[Signal]:
        return [self._signal(category, found) for category, found in hits.items() if self._passes(found)]

    def _terms_to_run(self, text: str) -> list[list[_CompiledTerm]]:
        """Per list, in the list's order, the terms that may match `text`: one scan of it for every list."""
        terms_by_list: list[list[_CompiledTerm]] = [[] for _ in self._lists]
        for index in self._scan.candidates(fold(text)):
            list_index, term = self._every_term[index]
            terms_by_list[list_index].append(term)
        return terms_by_list

    def _passes(self, found: list[tuple[float, dict[str, object], str]]) -> bool:
        thresholds = {c.source.name: c.source.threshold for c in self._lists}
        return _combined(found) >= min(thresholds[name] for _, _, name in found)

    def _signal(self, category: Category, found: list[tuple[float, dict[str, object], str]]) -> Signal:
        score = _combined(found) if category.is_violating else 0.0
        return Signal(
            detector=self.name,
            version=self.version,
            category=category,
            score=round(score, 4),
            evidence={"spans": [span for _, span, _ in found], "lists": sorted({name for _, _, name in found})},
        )


def _add_hits(hits: _Hits, list_name: str, field: TextField, terms: Iterable[_CompiledTerm]) -> None:
    """Each match of each of `terms` in `field`, in that order, added to its category's hits."""
    for compiled_term in terms:
        term = compiled_term.term
        for match in compiled_term.pattern.finditer(field.normalised.text):
            start, end = field.normalised.original_span(match.start(), match.end())
            span = {"field": field.name, "start": start, "end": end, "text": field.original[start:end]}
            hits.setdefault(term.category, []).append((term.weight, span, list_name))


def _combined(found: list[tuple[float, dict[str, object], str]]) -> float:
    remaining = 1.0
    for weight, _, _ in found:
        remaining *= 1.0 - weight
    return 1.0 - remaining
