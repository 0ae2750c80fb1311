"""The judge's answer: one strict JSON object, checked field by field and against the post itself.

An answer counts only when it parses, matches the schema exactly (no extra
fields), agrees with itself (a `tvec` label takes a violating category, any
other label does not) and every span it relied on is really in the post: a
judge that quotes words the post does not contain is not reading this post.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bastion.core import Category
from bastion.text.judge.prompt import shown_text
from bastion.text.labels import LABELS

ProtectedContext = Literal["news", "research_education", "art", "counter_speech", "religious", "none"]
UNCLEAR = "unclear"
# The model's classes have no research or art label: teaching material reads as reporting does, art as neither.
_TRAINING_LABEL = {Category.RESEARCH_EDUCATION: "news", Category.ART: "benign"}


class JudgeAnswer(BaseModel):
    """The strict schema the model's answer must match."""

    model_config = ConfigDict(extra="forbid")

    label: Literal["tvec", "not_tvec", "unclear"]
    category: Category
    protected_context: ProtectedContext
    spans: list[str] = Field(default_factory=list, max_length=5)
    rationale: str = Field(max_length=500)

    @property
    def tvec(self) -> bool:
        return self.label == "tvec"

    def consistent(self) -> bool:
        return self.tvec == self.category.is_violating

    def relies_on_the_post(self, text: str) -> bool:
        """Every span is a passage of the post, as written or as the judge was shown it."""
        shown = shown_text(text)
        return all(span.strip() and (span in text or span in shown) for span in self.spans)

    def training_label(self) -> str:
        """The model class this answer teaches (`unclear` rows leave training)."""
        if self.label == UNCLEAR:
            return UNCLEAR
        if self.tvec:
            return "tvec"
        label = _TRAINING_LABEL.get(self.category, self.category.value)
        return label if label in LABELS else "benign"


def parse_answer(content: str, text: str) -> JudgeAnswer | None:
    """The answer if it is one, for this post; None for anything else."""
    try:
        answer = JudgeAnswer.model_validate(json.loads(content))
    except (json.JSONDecodeError, TypeError, ValidationError):
        return None
    if not answer.consistent() or not answer.relies_on_the_post(text):
        return None
    return answer
