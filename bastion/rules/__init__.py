"""Rules: policy as data. YAML files of CEL conditions, versioned, shadowable.

(Interface stub: the full engine lands in bastion/rules/.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bastion.core import Action, Category, Item, RuleRef, Signal


@dataclass(frozen=True)
class Decision:
    action: Action
    categories: list[Category] = field(default_factory=list)
    priority: int = 0
    fired: list[RuleRef] = field(default_factory=list)
    shadow: list[RuleRef] = field(default_factory=list)


class Policy:
    version: str = "stub"

    @classmethod
    def load(cls, directory: Path) -> Policy:
        return cls()

    def decide(self, item: Item, signals: list[Signal], lang: str | None) -> Decision:
        violating = sorted({s.category for s in signals if s.is_tvec})
        return Decision(action=Action.REVIEW if violating else Action.ALLOW, categories=violating)


def record_fires(session: object, verdicts: object, now: object) -> None:
    """Called by bastion.service once per written batch: (session, list[Verdict], datetime).

    (Stub: the rules engine counts live and shadow fires per rule and hour here,
    with one upsert per (rule, version, hour, shadow) of the batch, not per item.)
    """
