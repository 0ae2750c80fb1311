"""A candidate model in shadow: it reads live traffic beside the live model; its word is stored, never acted on.

Only the item's body text is scored (the live detector also reads bios,
titles and OCR text), and read as the live detector reads it: a long text by
its most TVEC-like window. The comparison counts the same items for both models.
Scores are computed before the transaction that records the items, and
written inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bastion.core import Item, Verdict
from bastion.store.learning import ShadowVerdict
from bastion.store.transaction import Transaction
from bastion.text.model import TextModel
from bastion.text.windows import TextToRead, WindowLimits, read_texts

ShadowRows = list[tuple[str, ShadowVerdict]]


def shadow_verdicts(model: TextModel, checked: Sequence[tuple[Item, Verdict]], windows: WindowLimits) -> ShadowRows:
    """What the shadow model says about each checked item that has text: (item id, its verdict)."""
    texts = [(item, verdict) for item, verdict in checked if item.text]
    if not texts:
        return []
    to_read = [TextToRead(str(item.text), verdict.lang, item.lang is not None) for item, verdict in texts]
    rows = []
    for (item, _), reading in zip(texts, read_texts(model, to_read, windows), strict=True):
        score, lang = reading.score, reading.lang
        threshold = model.threshold_for(lang)
        is_tvec = score.p_tvec >= threshold
        context = max((label for label in score.probabilities if label != "tvec"), key=score.probabilities.__getitem__)
        rows.append(
            (
                item.id,
                ShadowVerdict(
                    model.version,
                    round(score.p_tvec, 4),
                    round(threshold, 4),
                    is_tvec,
                    "tvec" if is_tvec else context,
                    lang,
                ),
            )
        )
    return rows


def record_shadow(tx: Transaction, platform: str, rows: ShadowRows, now: datetime) -> None:
    tx.learning.record_shadow(platform, rows, now)
