"""What the learning loop reads and writes: people's decisions as labels, shadow verdicts, blind samples, judge answers.

A decided item's label is its last word: the newest first-stage decision
that was not an escalation, turned over when an appeal reversed it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from bastion.store.dialect import name_of, upsert_insert
from bastion.store.models.actors import ActorCaseRow
from bastion.store.models.core import ItemRow, VerdictRow
from bastion.store.models.learning import BlindSampleRow, JudgeAnswerRow, ShadowVerdictRow
from bastion.store.models.review import DecisionRow

_ESCALATIONS = ("escalate_senior", "escalate_legal")
REVERSED = "reversed"


@dataclass(frozen=True)
class DecidedItem:
    """An item people decided, with what they finally said and what the live model had said."""

    platform: str
    item_id: str
    text: str | None
    lang: str | None
    action: str  # the final action: remove, restrict, label, no_violation
    category: str | None
    policy_version: str | None
    decided_at: datetime
    verdict: dict[str, Any]  # the live verdict the item stands under
    case_id: int


@dataclass(frozen=True)
class ShadowVerdict:
    model_version: str
    score: float
    threshold: float
    is_tvec: bool
    category: str
    lang: str | None


class LearningRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def decided_items(self, since: datetime | None = None, until: datetime | None = None) -> list[DecidedItem]:
        """Every item whose last word was said in [since, until), with its text and live verdict, oldest first."""
        query = (
            select(DecisionRow, ItemRow.text, ItemRow.lang, VerdictRow.body)
            .join(ItemRow, (ItemRow.platform == DecisionRow.platform) & (ItemRow.id == DecisionRow.item_id))
            .outerjoin(
                VerdictRow, (VerdictRow.platform == DecisionRow.platform) & (VerdictRow.item_id == DecisionRow.item_id)
            )
            .where(DecisionRow.action.not_in(_ESCALATIONS))
            # A decision about an actor as a whole judged its conduct, not its record item's text: no text label.
            .where(DecisionRow.case_id.not_in(select(ActorCaseRow.case_id)))
            .order_by(DecisionRow.decided_at, DecisionRow.id)
        )
        last: dict[tuple[str, str], DecidedItem] = {}
        for decision, text, lang, verdict in self._session.execute(query):
            key = (decision.platform, decision.item_id)
            if decision.stage == "appeal":
                earlier = last.get(key)
                if earlier is not None:
                    last[key] = _after_appeal(earlier, decision)
                continue
            last[key] = DecidedItem(
                decision.platform,
                decision.item_id,
                text,
                lang,
                decision.action,
                decision.category,
                decision.policy_version,
                decision.decided_at,
                dict(verdict or {}),
                decision.case_id,
            )
        return sorted(
            (
                d
                for d in last.values()
                if (since is None or d.decided_at >= since) and (until is None or d.decided_at < until)
            ),
            key=lambda d: d.decided_at,
        )

    def record_shadow(self, platform: str, rows: Sequence[tuple[str, ShadowVerdict]], now: datetime) -> None:
        """Store what a shadow model said about these items (a re-check replaces its earlier word)."""
        if not rows:
            return
        values = [
            {
                "platform": platform,
                "item_id": item_id,
                "model_version": v.model_version,
                "score": v.score,
                "threshold": v.threshold,
                "is_tvec": v.is_tvec,
                "category": v.category,
                "lang": v.lang,
                "checked_at": now,
            }
            for item_id, v in {item_id: v for item_id, v in rows}.items()
        ]
        statement = upsert_insert(name_of(self._session))(ShadowVerdictRow).values(values)
        keys = ("platform", "item_id", "model_version")
        updated = {
            name: statement.excluded[name]
            for name in ("score", "threshold", "is_tvec", "category", "lang", "checked_at")
        }
        self._session.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updated))

    def shadow_verdicts(
        self, model_version: str, items: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], ShadowVerdict]:
        """What the model said in shadow about each of these (platform, item_id) it saw."""
        found: dict[tuple[str, str], ShadowVerdict] = {}
        for chunk in _chunks(list(items)):
            query = select(ShadowVerdictRow).where(
                ShadowVerdictRow.model_version == model_version,
                tuple_(ShadowVerdictRow.platform, ShadowVerdictRow.item_id).in_(chunk),
            )
            for row in self._session.scalars(query):
                found[(row.platform, row.item_id)] = ShadowVerdict(
                    row.model_version, row.score, row.threshold, row.is_tvec, row.category, row.lang
                )
        return found

    def verdict_counts(self, since: datetime) -> list[tuple[str, str | None, int]]:
        """Items checked since `since` by verdict action and detected language: (action, lang, count)."""
        lang = VerdictRow.body["lang"].as_string()
        query = (
            select(VerdictRow.action, lang, func.count())
            .where(VerdictRow.decided_at >= since)
            .group_by(VerdictRow.action, lang)
        )
        return [(action, language, int(count)) for action, language, count in self._session.execute(query)]

    def add_sample(self, sample: BlindSampleRow) -> None:
        self._session.add(sample)
        self._session.flush()

    def sampled(self, items: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these items are already blind samples."""
        found: set[tuple[str, str]] = set()
        for chunk in _chunks(list(items)):
            query = select(BlindSampleRow.platform, BlindSampleRow.item_id).where(
                tuple_(BlindSampleRow.platform, BlindSampleRow.item_id).in_(chunk)
            )
            found.update((platform, item_id) for platform, item_id in self._session.execute(query))
        return found

    def samples_since(self, since: datetime) -> list[BlindSampleRow]:
        return list(self._session.scalars(select(BlindSampleRow).where(BlindSampleRow.sampled_at >= since)))

    def judge_answers(self, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], dict[str, Any]]:
        """Cached judge answers by (text digest, policy version, judge model)."""
        found: dict[tuple[str, str, str], dict[str, Any]] = {}
        for chunk in _chunks(list(keys)):
            query = select(JudgeAnswerRow).where(
                tuple_(JudgeAnswerRow.digest, JudgeAnswerRow.policy_version, JudgeAnswerRow.judge_model).in_(chunk)
            )
            for row in self._session.scalars(query):
                found[(row.digest, row.policy_version, row.judge_model)] = dict(row.answer)
        return found

    def remember_judge_answers(self, answers: Mapping[tuple[str, str, str], dict[str, Any]], now: datetime) -> None:
        """Cache answers; one already cached under the same key stays (the first answer is the one used)."""
        if not answers:
            return
        values = [
            {"digest": d, "policy_version": p, "judge_model": m, "answer": answer, "answered_at": now}
            for (d, p, m), answer in answers.items()
        ]
        statement = upsert_insert(name_of(self._session))(JudgeAnswerRow).values(values)
        self._session.execute(
            statement.on_conflict_do_nothing(index_elements=["digest", "policy_version", "judge_model"])
        )


def _after_appeal(decided: DecidedItem, appeal: DecisionRow) -> DecidedItem:
    """An appeal's outcome on the item's last word: a reversal means no violation after all."""
    if appeal.action != REVERSED:
        return decided
    return DecidedItem(
        decided.platform,
        decided.item_id,
        decided.text,
        decided.lang,
        "no_violation",
        None,
        appeal.policy_version or decided.policy_version,
        appeal.decided_at,
        decided.verdict,
        decided.case_id,
    )


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]
