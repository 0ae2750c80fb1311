"""What Bastion already did to an item before any person looked: read from its stored verdict.

A verdict whose action is `remove` was carried out by the platform when
Bastion answered the check, so its case is not "open, no decision yet": the
item is gone, and a person is asked to confirm it. The queue and the case page
say so, with the rule that removed it and the bank match behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.core import Action


@dataclass(frozen=True)
class RuleFired:
    name: str
    version: int

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


@dataclass(frozen=True)
class BankHit:
    bank: str
    exact: bool

    def __str__(self) -> str:
        return f"{'exact' if self.exact else 'near'} match in bank {self.bank}"


@dataclass(frozen=True)
class AutomaticAction:
    """A removal carried out without a person: by which live rules, on which bank matches."""

    rules: tuple[RuleFired, ...]
    hits: tuple[BankHit, ...]

    def __str__(self) -> str:
        text = "removed automatically"
        if self.rules:
            text += f" by rule {', '.join(map(str, self.rules))}"
        if self.hits:
            text += f" ({'; '.join(map(str, self.hits))})"
        return text


def automatic_action(verdict: dict[str, Any]) -> AutomaticAction | None:
    """The action a stored verdict carried out on its own, or None when it only asked for review."""
    if verdict.get("action") != Action.REMOVE:
        return None
    rules = tuple(
        RuleFired(str(r["name"]), int(r["version"]))
        for r in verdict.get("rules") or []
        if r.get("action") == Action.REMOVE and not r.get("shadow")
    )
    return AutomaticAction(rules, _bank_hits(verdict))


def _bank_hits(verdict: dict[str, Any]) -> tuple[BankHit, ...]:
    hits = []
    for signal in verdict.get("signals") or []:
        evidence = signal.get("evidence") or {}
        match = evidence.get("match") or {}
        if signal.get("detector") == "hashes" and match.get("bank"):
            hits.append(BankHit(str(match["bank"]), bool(evidence.get("exact"))))
    return tuple(dict.fromkeys(hits))
