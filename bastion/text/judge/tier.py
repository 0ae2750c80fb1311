"""Which texts the judge is asked about, and where its answers are kept.

The judge costs money and time, so it reads what the fast tiers find
uncertain (a score within `band` of its language's threshold, relative to
the threshold) plus a small random share of everything else (`sample_rate`),
which shows what the fast tiers get wrong where they are sure. The share is
drawn from the text's digest, so a text is in it or not on every process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bastion.core import utcnow
from bastion.text.judge.client import CacheKey, CallBudget, Endpoint, Judge, text_digest
from bastion.text.policy import current_policy

if TYPE_CHECKING:
    from bastion.settings import Settings
    from bastion.store.db import Database

Reason = Literal["uncertain", "sample"]
_UNIT = float(16**12)


@dataclass(frozen=True)
class JudgeSelection:
    band: float  # relative to the threshold: |p - t| < band * t is uncertain
    sample_rate: float  # share of the other texts asked at random

    def why(self, text: str, p_tvec: float, threshold: float) -> Reason | None:
        if abs(p_tvec - threshold) < self.band * threshold:
            return "uncertain"
        if self.sample_rate > 0 and int(text_digest(text)[:12], 16) / _UNIT < self.sample_rate:
            return "sample"
        return None


class StoredAnswers:
    """The judge's answer cache in Bastion's database (`judge_answers`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def answers(self, keys: Sequence[CacheKey]) -> dict[CacheKey, dict[str, Any]]:
        with self.db.snapshot() as tx:
            return tx.learning.judge_answers(keys)

    def remember(self, answers: Mapping[CacheKey, dict[str, Any]]) -> None:
        with self.db.transaction() as tx:
            tx.learning.remember_judge_answers(answers, utcnow())


def judge_from_settings(settings: Settings, db: Database | None) -> Judge | None:
    """The judge the settings describe, answering from the database's cache when there is one; None when off."""
    if not settings.llm_judge_url:
        return None
    endpoint = Endpoint(
        settings.llm_judge_url,
        settings.llm_judge_model,
        settings.llm_judge_api_key,
        settings.llm_judge_timeout,
        settings.llm_judge_concurrency,
    )
    path = settings.tvec_policy_file
    return Judge(
        endpoint,
        lambda: current_policy(path),
        StoredAnswers(db) if db is not None else None,
        CallBudget(settings.llm_judge_calls_per_hour),
        settings.llm_judge_batch_seconds,
    )


def selection_from_settings(settings: Settings) -> JudgeSelection:
    return JudgeSelection(settings.llm_judge_band, settings.llm_judge_sample_rate)
