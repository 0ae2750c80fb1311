"""Blind samples: a share of the items the model allowed goes to review, looking like any other case.

Precision can be counted on what the model flags (people decide all of it),
but recall needs what it misses, and nobody looks at what it allowed. So each
allowed item with text is drawn with probability `rate`; a drawn item opens
an ordinary detection case at low priority: the moderator is not told it is
a sample (a label would change how it is judged). Only `blind_samples` knows,
with the rate in force, so that each sample stands for 1/rate allowed items
(`bastion.learning.estimates`). The draw is audited; the audit log is not
shown to moderators.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from bastion.core import Action, Item, Verdict
from bastion.store.items import CaseRequest, item_subject
from bastion.store.models.learning import BlindSampleRow
from bastion.store.transaction import Transaction


def text_model_version(verdict: Verdict) -> str | None:
    """The text model that judged this verdict, as its signal names it."""
    return next((s.version for s in verdict.signals if s.detector == "text"), None)


def draw_blind_samples(
    tx: Transaction,
    checked: Sequence[tuple[Item, Verdict]],
    platform: str,
    rate: float,
    priority: int,
    now: datetime,
    rng: random.Random,
) -> list[str]:
    """Open blind cases for a random share of the allowed items with text; returns the ids drawn."""
    if rate <= 0:
        return []
    allowed = [(item, v) for item, v in checked if v.action is Action.ALLOW and item.text]
    drawn = [(item, v) for item, v in allowed if rng.random() < rate]
    known = tx.learning.sampled([(platform, item.id) for item, _ in drawn])
    ids = []
    for item, verdict in drawn:
        if (platform, item.id) in known:
            continue  # a re-check of a sampled item: a second draw would count it twice
        case = tx.items.open_case(CaseRequest(platform, item.id, priority, [], "detection"), now)
        tx.learning.add_sample(
            BlindSampleRow(
                platform=platform,
                item_id=item.id,
                case_id=case.id,
                rate=rate,
                lang=verdict.lang,
                model_version=text_model_version(verdict),
                sampled_at=now,
            )
        )
        tx.audit.append(
            action="learning.blind_sample",
            subject=item_subject(platform, item.id),
            actor="system",
            payload={"case": case.id, "rate": rate},
        )
        ids.append(item.id)
    return ids
