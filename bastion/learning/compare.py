"""The live model and a candidate in shadow, set against what people decided since the shadow began.

For every item people decided that the candidate read in shadow, three words:
the live text model's (the text signal of the verdict the item stands under,
which names the model version that gave it), the candidate's, and the
people's (removed, restricted or labelled is TVEC). Each model's agreement,
precision and recall, overall and per language, per the people's category and
per protected context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bastion.core import Category
from bastion.learning.labels import ACTIONED
from bastion.store.learning import DecidedItem
from bastion.store.text_models import SHADOW
from bastion.store.transaction import Transaction

MODELS = ("live", "candidate")


@dataclass
class Tally:
    n: int = 0
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def add(self, flagged: bool, tvec: bool) -> None:
        self.n += 1
        self.true_positive += flagged and tvec
        self.false_positive += flagged and not tvec
        self.false_negative += tvec and not flagged

    @property
    def agreement(self) -> float | None:
        return None if not self.n else round(1 - (self.false_positive + self.false_negative) / self.n, 4)

    @property
    def precision(self) -> float | None:
        flagged = self.true_positive + self.false_positive
        return round(self.true_positive / flagged, 4) if flagged else None

    @property
    def recall(self) -> float | None:
        tvec = self.true_positive + self.false_negative
        return round(self.true_positive / tvec, 4) if tvec else None

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "agreement": self.agreement,
            "precision": self.precision,
            "recall": self.recall,
            "false_positives": self.false_positive,
            "false_negatives": self.false_negative,
        }


def _tallies() -> dict[str, Tally]:
    return {name: Tally() for name in MODELS}


@dataclass
class Comparison:
    candidate: str
    since: datetime | None
    live_versions: set[str] = field(default_factory=set)
    overall: dict[str, Tally] = field(default_factory=_tallies)
    groups: dict[str, dict[str, dict[str, Tally]]] = field(
        default_factory=lambda: {"lang": {}, "category": {}, "context": {}}
    )
    disagreements: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "since": self.since.isoformat() if self.since else None,
            "live_versions": sorted(self.live_versions),
            "overall": {name: tally.as_json() for name, tally in self.overall.items()},
            "by": {
                group: {
                    key: {name: t.as_json() for name, t in tallies.items()} for key, tallies in sorted(keys.items())
                }
                for group, keys in self.groups.items()
            },
            "disagreements": self.disagreements,
        }


class NothingToCompare(LookupError):
    """No model is in shadow, or the one named is unknown."""


def compare(tx: Transaction, candidate: str | None = None, disagreements: int = 20) -> Comparison:
    """The candidate (by default the model in shadow) and the live model on the items decided since its shadow began."""
    row = tx.text_models.get(candidate) if candidate else tx.text_models.in_state(SHADOW)
    if row is None:
        raise NothingToCompare(f"no model {candidate!r}" if candidate else "no model is in shadow")
    decided = tx.learning.decided_items(since=row.shadow_since)
    shadow = tx.learning.shadow_verdicts(row.version, [(d.platform, d.item_id) for d in decided])
    result = Comparison(row.version, row.shadow_since)
    for item in decided:
        said = shadow.get((item.platform, item.item_id))
        live = _live_text_signal(item)
        if said is None or live is None:
            continue  # compared on the same items only
        result.live_versions.add(str(live.get("version")))
        flagged = {"live": Category(live["category"]).is_violating, "candidate": said.is_tvec}
        _count(result, item, flagged)
        if flagged["live"] != flagged["candidate"] and len(result.disagreements) < disagreements:
            result.disagreements.append(_disagreement(item, live, said.score, flagged))
    return result


def _count(result: Comparison, item: DecidedItem, flagged: dict[str, bool]) -> None:
    tvec = item.action in ACTIONED
    keys = {"lang": item.lang or item.verdict.get("lang") or "und", "category": item.category or "none"}
    keys["context"] = item.category if item.category and Category(item.category).is_protected else "none"
    for name in MODELS:
        result.overall[name].add(flagged[name], tvec)
        for group, key in keys.items():
            result.groups[group].setdefault(key, _tallies())[name].add(flagged[name], tvec)


def _live_text_signal(item: DecidedItem) -> dict[str, Any] | None:
    return next((s for s in item.verdict.get("signals", []) if s.get("detector") == "text"), None)


def _disagreement(item: DecidedItem, live: dict[str, Any], score: float, flagged: dict[str, bool]) -> dict[str, Any]:
    return {
        "platform": item.platform,
        "item_id": item.item_id,
        "case_id": item.case_id,
        "decision": item.action,
        "live": {"flagged": flagged["live"], "score": live.get("score"), "version": live.get("version")},
        "candidate": {"flagged": flagged["candidate"], "score": score},
    }
