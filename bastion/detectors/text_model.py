"""The text model as a detector: P(TVEC) for every text of an item, and why.

Each item gets one signal, from its most TVEC-like text (body, bio, title, OCR
text...). Its category is violating exactly when the model judged the text
TVEC at its language's threshold, so the default policy sends an item to
review exactly when Bastion judges it TVEC; otherwise the category names the
protected context the model recognised (news, counter-speech, religious...).

The optional LLM judge is a second opinion that can only raise: it may turn a
text the model let through into TVEC (so it goes to review), but it never
clears what the model flagged unless `llm_judge_may_clear` says so. A model
that reads hostile text can be talked round; the worst it can then do is send
an item to a person. The evidence records what the judge said either way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bastion.core import Category, Signal
from bastion.detectors.base import Content, Detector, TextField
from bastion.text.llm_judge import LlmJudge
from bastion.text.model import TextModel, TextScore, prepare
from bastion.text.normalise import normalise_text

if TYPE_CHECKING:
    from bastion.context import AppContext

_WORD = re.compile(r"\w+")
_NOT_TVEC = {
    "news": Category.NEWS,
    "counter_speech": Category.COUNTER_SPEECH,
    "religious": Category.RELIGIOUS,
    "hate_not_tvec": Category.HATE_NOT_TVEC,
    "benign": Category.BENIGN,
}


@dataclass(frozen=True)
class CategoryCues:
    """Cue words that tell which violating category a TVEC text falls in."""

    order: tuple[tuple[Category, tuple[str, ...]], ...]
    default: Category

    @classmethod
    def load(cls, path: Path) -> CategoryCues:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        order = tuple(
            (Category(name), tuple(normalise_text(cue) for cue in spec["cues"][name])) for name in spec["order"]
        )
        return cls(order, Category(spec["default"]))

    def category_of(self, normalised: str) -> Category:
        for category, cues in self.order:
            if any(cue in normalised for cue in cues):
                return category
        return self.default


class TextModelDetector(Detector):
    name = "text"

    def __init__(
        self,
        model: TextModel,
        cues: CategoryCues,
        judge: LlmJudge | None = None,
        band: float = 0.5,
        judge_may_clear: bool = False,
    ) -> None:
        self.model = model
        self.cues = cues
        self.judge = judge
        self.band = band
        self.judge_may_clear = judge_may_clear
        self.version = model.version

    @classmethod
    def from_context(cls, context: AppContext) -> TextModelDetector:
        settings = context.settings
        judge = (
            LlmJudge(
                settings.llm_judge_url, settings.llm_judge_model, settings.llm_judge_timeout, settings.llm_judge_api_key
            )
            if settings.llm_judge_url
            else None
        )
        return cls(
            context.text_model(),
            CategoryCues.load(settings.category_cues),
            judge,
            settings.llm_judge_band,
            settings.llm_judge_may_clear,
        )

    def applies_to(self, content: Content) -> bool:
        return bool(content.texts)

    def detect(self, content: Content) -> list[Signal]:
        return self.detect_many([content])[0]

    def detect_many(self, contents: Sequence[Content]) -> list[list[Signal]]:
        fields = [(index, field) for index, content in enumerate(contents) for field in content.texts]
        scores = self.model.score(
            [prepare(field.original) for _, field in fields], [contents[index].lang for index, _ in fields]
        )
        best: dict[int, tuple[TextField, TextScore]] = {}
        for (index, field), score in zip(fields, scores, strict=True):
            if index not in best or score.p_tvec > best[index][1].p_tvec:
                best[index] = (field, score)
        return [
            [self._signal(contents[index], *best[index])] if index in best else [] for index in range(len(contents))
        ]

    def _signal(self, content: Content, field: TextField, score: TextScore) -> Signal:
        threshold = self.model.threshold_for(content.lang)
        is_tvec = score.p_tvec >= threshold
        evidence: dict[str, Any] = {
            "model_version": self.model.version,
            "tier": score.tier,
            "p_fast": round(score.p_fast, 4),
            "p_deep": None if score.p_deep is None else round(score.p_deep, 4),
            "threshold": round(threshold, 4),
            "line": self.model.line_of(content.lang),
            "field": field.name,
            "lang": content.lang,
            "probabilities": score.probabilities,
        }
        category = self.cues.category_of(field.normalised.text) if is_tvec else self._context(score)
        if self.judge is not None and abs(score.p_tvec - threshold) < self.band * threshold:
            is_tvec, category, evidence["llm_judge"] = self._second_opinion(
                self.judge, field, content, is_tvec, category
            )
        if is_tvec:
            evidence["spans"] = self._spans(field)
        if field.name == "ocr":
            evidence["ocr_text"] = field.original
        return Signal(
            detector=self.name,
            version=self.version,
            category=category,
            score=round(min(1.0, max(0.0, score.p_tvec)), 4),
            evidence=evidence,
        )

    def _second_opinion(
        self, judge: LlmJudge, field: TextField, content: Content, is_tvec: bool, category: Category
    ) -> tuple[bool, Category, dict[str, Any]]:
        """The reading after the judge: (is TVEC, category, what the judge said and whether it counted).
        Its answer counts when it raises (or agrees), and when it clears only if clearing is allowed."""
        judgement = judge.judge(field.original, content.lang)
        said: dict[str, Any] = {"model": judgement.model, "status": judgement.status}
        if judgement.answer is None:
            return is_tvec, category, said
        said |= judgement.answer.model_dump(mode="json")
        applied = judgement.answer.tvec or not is_tvec or self.judge_may_clear
        said["applied"] = applied
        if not applied:
            return is_tvec, category, said
        return judgement.answer.tvec, judgement.answer.category, said

    @staticmethod
    def _context(score: TextScore) -> Category:
        label = max(_NOT_TVEC, key=lambda name: score.probabilities.get(name, 0.0))
        return _NOT_TVEC[label]

    def _spans(self, field: TextField) -> list[dict[str, Any]]:
        """The words that drove the judgement, as offsets into the original text."""
        words = list(_WORD.finditer(field.normalised.text))
        spans = []
        for index, weight in self.model.drivers([w.group() for w in words]):
            start, end = field.normalised.original_span(words[index].start(), words[index].end())
            spans.append(
                {
                    "field": field.name,
                    "start": start,
                    "end": end,
                    "text": field.original[start:end],
                    "weight": round(weight, 4),
                }
            )
        return sorted(spans, key=lambda span: span["start"])
