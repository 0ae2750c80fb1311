"""Precision and recall in production, with 95% confidence intervals, from unbiased samples, per language.

- Precision: of the items Bastion flagged (sent to review or removed) that
  people decided, the share they confirmed. Blind samples are not flagged
  items and are left out. When people decided every flagged item, the share is
  exact; otherwise it has a Wilson interval.
- Recall: the confirmed flagged items against those plus the TVEC the model
  let through. The second is estimated from blind samples: each decided sample
  weighs 1/rate (the rate in force when it was drawn), the weighted share of
  TVEC among them times the weighted count of all samples (the allowed
  population) estimates the misses; the share's Wilson interval, on the
  samples' effective size, bounds them. The recall interval joins the ends of
  both intervals, so it is wide when either is.

Only decided items count: items still in the queue are reported as pending.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bastion.learning.labels import ACTIONED
from bastion.store.transaction import Transaction

Z95 = 1.959963984540054
PRODUCTION_WINDOW = timedelta(days=28)  # the dashboard's window: long enough for samples to add up
EVERY_LANGUAGE = "*"


@dataclass(frozen=True)
class Interval:
    estimate: float | None
    low: float | None
    high: float | None

    @classmethod
    def unknown(cls) -> Interval:
        return cls(None, None, None)


def wilson(successes: float, trials: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (works for fractional, effective counts)."""
    if trials <= 0:
        return 0.0, 1.0
    p = min(1.0, max(0.0, successes / trials))
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def precision(confirmed: int, decided: int, flagged: int) -> Interval:
    if decided == 0:
        return Interval.unknown()
    share = confirmed / decided
    if decided >= flagged:  # every flagged item decided: counted, not estimated
        return Interval(share, share, share)
    low, high = wilson(confirmed, decided)
    return Interval(share, low, high)


@dataclass(frozen=True)
class Sample:
    weight: float  # 1 / the sampling rate when it was drawn
    decided: bool
    tvec: bool


def missed_share(samples: Iterable[Sample]) -> tuple[Interval, float]:
    """(the weighted share of TVEC among decided samples with its interval, the estimated allowed population)."""
    every = list(samples)
    population = sum(s.weight for s in every)
    decided = [s for s in every if s.decided]
    total = sum(s.weight for s in decided)
    if not decided or total <= 0:
        return Interval.unknown(), population
    share = sum(s.weight for s in decided if s.tvec) / total
    effective = total * total / sum(s.weight * s.weight for s in decided)  # Kish: equal weights give n
    low, high = wilson(share * effective, effective)
    return Interval(share, low, high), population


def recall(flagged: int, precision_of_flags: Interval, samples: Iterable[Sample]) -> Interval:
    missed, population = missed_share(samples)
    if precision_of_flags.estimate is None or missed.estimate is None:
        return Interval.unknown()
    assert precision_of_flags.low is not None and precision_of_flags.high is not None
    assert missed.low is not None and missed.high is not None

    def share(found_rate: float, missed_rate: float) -> float | None:
        found = found_rate * flagged
        missing = missed_rate * population
        return found / (found + missing) if found + missing > 0 else None

    estimate = share(precision_of_flags.estimate, missed.estimate)
    if estimate is None:
        return Interval.unknown()
    low = share(precision_of_flags.low, missed.high)
    high = share(precision_of_flags.high, missed.low)
    return Interval(estimate, 0.0 if low is None else low, 1.0 if high is None else high)


@dataclass(frozen=True)
class LanguageFigures:
    lang: str
    flagged: int  # items Bastion flagged in the window
    flagged_decided: int
    allowed: int  # items it allowed
    samples: int
    samples_decided: int
    precision: Interval
    recall: Interval


def production_figures(tx: Transaction, since: datetime) -> list[LanguageFigures]:
    """Per language (and `*` for all), from the items checked since `since` and what people decided of them."""
    sampled = {(s.platform, s.item_id): s for s in tx.learning.samples_since(since)}
    decided = {(d.platform, d.item_id): d for d in tx.learning.decided_items(since)}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"flagged": 0, "allowed": 0})
    for action, lang, n in tx.learning.verdict_counts(since):
        for language in (lang or "und", EVERY_LANGUAGE):
            counts[language]["allowed" if action == "allow" else "flagged"] += n
    flags: dict[str, list[bool]] = defaultdict(list)
    for item_key, item in decided.items():
        if (
            item_key in sampled
            or item.verdict.get("action", "allow") == "allow"
            or not _checked_since(item.verdict, since)
        ):
            continue
        for lang in (item.verdict.get("lang") or "und", EVERY_LANGUAGE):
            flags[lang].append(item.action in ACTIONED)
    draws: dict[str, list[Sample]] = defaultdict(list)
    for sample_key, sample in sampled.items():
        outcome = decided.get(sample_key)
        drawn = Sample(1 / sample.rate, outcome is not None, outcome is not None and outcome.action in ACTIONED)
        for lang in (sample.lang or "und", EVERY_LANGUAGE):
            draws[lang].append(drawn)
    languages = sorted(set(counts) | set(flags) | set(draws), key=lambda lang: (lang != EVERY_LANGUAGE, lang))
    return [_figures(lang, counts[lang], flags[lang], draws[lang]) for lang in languages]


def _figures(lang: str, counts: dict[str, int], flags: list[bool], draws: list[Sample]) -> LanguageFigures:
    exact = precision(sum(flags), len(flags), counts["flagged"])
    return LanguageFigures(
        lang=lang,
        flagged=counts["flagged"],
        flagged_decided=len(flags),
        allowed=counts["allowed"],
        samples=len(draws),
        samples_decided=sum(d.decided for d in draws),
        precision=exact,
        recall=recall(counts["flagged"], exact, draws),
    )


def _checked_since(verdict: dict[str, object], since: datetime) -> bool:
    when = verdict.get("decided_at")
    if not isinstance(when, str):
        return True
    try:
        return datetime.fromisoformat(when) >= since
    except ValueError:
        return True
