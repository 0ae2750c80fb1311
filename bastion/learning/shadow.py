"""A candidate model in shadow: it reads live traffic beside the live model; its word is stored, never acted on.

Only the item's body text is scored (the live detector also reads bios,
titles and OCR text); the comparison counts the same items for both models.
Scores are computed before the transaction that records the items, and
written inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bastion.core import Item, Verdict
from bastion.store.learning import ShadowVerdict
from bastion.store.transaction import Transaction
from bastion.text.model import TextModel, prepare

ShadowRows = list[tuple[str, ShadowVerdict]]


def shadow_verdicts(model: TextModel, checked: Sequence[tuple[Item, Verdict]]) -> ShadowRows:
    """What the shadow model says about each checked item that has text: (item id, its verdict)."""
    texts = [(item, verdict) for item, verdict in checked if item.text]
    if not texts:
        return []
    langs = [verdict.lang for _, verdict in texts]
    scores = model.score([prepare(str(item.text)) for item, _ in texts], langs)
    rows = []
    for (item, _), lang, score in zip(texts, langs, scores, strict=True):
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
