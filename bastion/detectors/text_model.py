"""The text model as a detector: P(TVEC) for every text of an item, and why.

Each item gets one signal, from its most TVEC-like text (body, bio, title, OCR
text...). Its category is violating exactly when the model judged the text
TVEC at its language's threshold, so the default policy sends an item to
review exactly when Bastion judges it TVEC; otherwise the category names the
protected context the model recognised (news, counter-speech, religious...).

The optional judge tier (`bastion.text.judge`) reads the texts the model is
unsure of, and a small random share of the rest, all of a batch at once. It
can only raise: it may turn a text the model let through into TVEC (so it goes
to review), but it never clears what the model flagged unless
`llm_judge_may_clear` says so. A model that reads hostile text can be talked
round; the worst it can then do is send an item to a person. The evidence
records what the judge said either way, `unavailable` when it could not say.

The model is asked for on every batch (`live`), so a model an admin promotes
serves without a restart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bastion.core import Category, Signal
from bastion.detectors.base import Content, Detector, TextField
from bastion.text.judge.client import Judge, Judgement
from bastion.text.judge.tier import JudgeSelection, judge_from_settings, selection_from_settings
from bastion.text.model import TextModel, TextScore
from bastion.text.normalise import normalise, normalise_text
from bastion.text.windows import Reading, TextToRead, WindowLimits, read_texts

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
UNCERTAIN_ONLY = JudgeSelection(band=0.5, sample_rate=0.0)


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
        judge: Judge | None = None,
        selection: JudgeSelection = UNCERTAIN_ONLY,
        judge_may_clear: bool = False,
        live: Callable[[], TextModel] | None = None,
        windows: WindowLimits | None = None,
    ) -> None:
        self._model = model
        self.cues = cues
        self.judge = judge
        self.selection = selection
        self.judge_may_clear = judge_may_clear
        self._live = live
        self.windows = windows or WindowLimits()

    @property
    def model(self) -> TextModel:
        return self._live() if self._live is not None else self._model

    @property
    def version(self) -> str:  # type: ignore[override]  # the live model's, which may change while serving
        return self.model.version

    @classmethod
    def from_context(cls, context: AppContext) -> TextModelDetector:
        settings = context.settings
        return cls(
            context.text_model(),
            CategoryCues.load(settings.category_cues),
            judge_from_settings(settings, getattr(context, "db", None)),
            selection_from_settings(settings),
            settings.llm_judge_may_clear,
            live=context.text_model,
            windows=WindowLimits.of(settings),
        )

    def applies_to(self, content: Content) -> bool:
        return bool(content.texts)

    def detect(self, content: Content) -> list[Signal]:
        return self.detect_many([content])[0]

    def detect_many(self, contents: Sequence[Content]) -> list[list[Signal]]:
        model = self.model  # one model for the whole batch, even if a promotion lands meanwhile
        fields = [(index, field) for index, content in enumerate(contents) for field in content.texts]
        readings = read_texts(
            model,
            [
                TextToRead(field.original, contents[index].lang, contents[index].item.lang is not None)
                for index, field in fields
            ],
            self.windows,
        )
        best: dict[int, tuple[TextField, Reading]] = {}
        for (index, field), reading in zip(fields, readings, strict=True):
            if index not in best or reading.score.p_tvec > best[index][1].score.p_tvec:
                best[index] = (field, reading)
        judged = self._judged(model, best)
        return [
            [self._signal(model, *best[index], judged.get(index))] if index in best else []
            for index in range(len(contents))
        ]

    def _judged(self, model: TextModel, best: dict[int, tuple[TextField, Reading]]) -> dict[int, tuple[str, Judgement]]:
        """The judge's word on the batch's texts it should read, asked all at once: {index: (why, judgement)}."""
        if self.judge is None:
            return {}
        asked = {}
        for index, (field, reading) in best.items():
            threshold = model.threshold_for(reading.lang)
            why = self.selection.why(_read_text(field, reading), reading.score.p_tvec, threshold)
            if why is not None:
                asked[index] = why
        judgements = self.judge.judge_batch([(_read_text(*best[i]), best[i][1].lang) for i in asked])
        return {index: (why, j) for (index, why), j in zip(asked.items(), judgements, strict=True)}

    def _signal(
        self,
        model: TextModel,
        field: TextField,
        reading: Reading,
        judged: tuple[str, Judgement] | None,
    ) -> Signal:
        score, part = reading.score, _part_read(field, reading)
        threshold = model.threshold_for(reading.lang)
        is_tvec = score.p_tvec >= threshold
        evidence: dict[str, Any] = {
            "model_version": model.version,
            "tier": score.tier,
            "p_fast": round(score.p_fast, 4),
            "p_deep": None if score.p_deep is None else round(score.p_deep, 4),
            "threshold": round(threshold, 4),
            "line": model.line_of(reading.lang),
            "field": field.name,
            "lang": reading.lang,
            "probabilities": score.probabilities,
        }
        if reading.window is not None:
            evidence["window"] = {
                "field": field.name,
                "start": reading.window.start,
                "end": reading.window.end,
                "windows": reading.windows,
                "read_in_full": reading.read_in_full,
            }
        category = self.cues.category_of(part.normalised.text) if is_tvec else self._context(score)
        if judged is not None:
            why, judgement = judged
            is_tvec, category, evidence["judge"] = self._second_opinion(judgement, is_tvec, category)
            evidence["judge"]["asked"] = why
        if is_tvec:
            evidence["spans"] = self._spans(model, part, reading.window.start if reading.window else 0)
        if field.name == "ocr":
            evidence["ocr_text"] = field.original
        return Signal(
            detector=self.name,
            version=model.version,
            category=category,
            score=round(min(1.0, max(0.0, score.p_tvec)), 4),
            evidence=evidence,
        )

    def _second_opinion(
        self, judgement: Judgement, is_tvec: bool, category: Category
    ) -> tuple[bool, Category, dict[str, Any]]:
        """The reading after the judge: (is TVEC, category, what the judge said and whether it counted).
        Its answer counts when it raises (or agrees), and when it clears only if clearing is allowed.
        An `unclear` answer is no answer: the fast tier's reading stands."""
        said = judgement.as_evidence()
        if judgement.answer is None or judgement.answer.label == "unclear":
            return is_tvec, category, said
        applied = judgement.answer.tvec or not is_tvec or self.judge_may_clear
        said["applied"] = applied
        if not applied:
            return is_tvec, category, said
        return judgement.answer.tvec, judgement.answer.category, said

    @staticmethod
    def _context(score: TextScore) -> Category:
        label = max(_NOT_TVEC, key=lambda name: score.probabilities.get(name, 0.0))
        return _NOT_TVEC[label]

    @staticmethod
    def _spans(model: TextModel, part: TextField, offset: int) -> list[dict[str, Any]]:
        """The words that drove the judgement, as offsets into the original text (`part` starts at `offset`)."""
        words = list(_WORD.finditer(part.normalised.text))
        spans = []
        for index, weight in model.drivers([w.group() for w in words]):
            start, end = part.normalised.original_span(words[index].start(), words[index].end())
            spans.append(
                {
                    "field": part.name,
                    "start": offset + start,
                    "end": offset + end,
                    "text": part.original[start:end],
                    "weight": round(weight, 4),
                }
            )
        return sorted(spans, key=lambda span: span["start"])


def _part_read(field: TextField, reading: Reading) -> TextField:
    """The part of the field the reading is of: all of it, or its window."""
    if reading.window is None:
        return field
    text = field.original[reading.window.start : reading.window.end]
    return TextField(field.name, text, normalise(text))


def _read_text(field: TextField, reading: Reading) -> str:
    return field.original if reading.window is None else field.original[reading.window.start : reading.window.end]
