"""Replay stored strikes through a conduct policy and show which actors it would queue, like `rules backtest`
for item rules: the thresholds read the same facts (`conduct_facts`) as they would have at each strike."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bastion.actors.conduct import counted, facts_of
from bastion.actors.policy import ConductPolicy
from bastion.store.transaction import Transaction

_SAMPLE = 20


@dataclass
class ConductBacktest:
    policy_version: int
    actors: int = 0  # actors with a live strike in the period
    queued: set[int] = field(default_factory=set)
    by_threshold: Counter[str] = field(default_factory=Counter)
    already_queued: set[int] = field(default_factory=set)  # actors with a conduct case today
    sample: list[dict[str, object]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "policy_version": self.policy_version,
            "actors": self.actors,
            "would_queue": len(self.queued),
            "new": len(self.queued - self.already_queued),
            "no_longer": len(self.already_queued - self.queued),
            "by_threshold": dict(sorted(self.by_threshold.items())),
            "sample": self.sample,
        }


def backtest_conduct(tx: Transaction, policy: ConductPolicy, since: datetime) -> ConductBacktest:
    report = ConductBacktest(policy.version)
    for actor_id in tx.conduct.struck_actors(since):
        actor = tx.actors.get(actor_id)
        if actor is None:
            continue
        report.actors += 1
        if any(about.reason == "conduct" for about, _ in tx.conduct.cases_about(actor_id)):
            report.already_queued.add(actor_id)
        strikes = tx.conduct.strikes(actor_id, since=since - policy.window)
        for index, strike in enumerate(strikes):
            if strike.struck_at < since:
                continue
            seen = strikes[: index + 1]
            crossed = policy.fired(facts_of(actor, seen, strike.struck_at, policy))
            if crossed:
                report.queued.add(actor_id)
                report.by_threshold.update(t.name for t in crossed)
                if len(report.sample) < _SAMPLE:
                    report.sample.append(
                        {
                            "actor": f"{actor.platform}/{actor.kind}/{actor.external_id}",
                            "at": strike.struck_at.isoformat(),
                            "thresholds": [t.name for t in crossed],
                            "evidence": counted(seen, strike.struck_at, policy),
                        }
                    )
                break
    return report
