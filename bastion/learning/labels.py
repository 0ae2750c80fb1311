"""Every human decision is a training label: the item's text, what people finally said, under which policy.

A removal, restriction or label is `tvec` (with its violating category); no
violation is the protected context the moderator named (news, counter-speech,
religious...) or `benign`. An appeal that reversed a decision turns it into no
violation. Rows carry `basis: text` (a person read the text), so training
measures them as a person's labels, and the `source` names the platform.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bastion.core import Category
from bastion.settings import Settings
from bastion.store.learning import DecidedItem
from bastion.store.transaction import Transaction
from bastion.text.labels import LABELS
from bastion.text.policy import PolicyDocumentError, current_policy

ACTIONED = {"remove", "restrict", "label"}
DECISIONS_COLLECTION = "platform-decisions"


def label_of(action: str, category: str | None) -> str:
    """The model class a final decision teaches."""
    if action in ACTIONED:
        return "tvec"
    if category in LABELS and category != "tvec":
        return str(category)
    if category in (Category.RESEARCH_EDUCATION.value,):
        return "news"
    return "benign"


def decision_rows(
    tx: Transaction, since: datetime | None = None, until: datetime | None = None, weight: float = 1.0
) -> list[dict[str, Any]]:
    """The decided items of [since, until) as labelled rows (`bastion train --decisions`); items without text skip."""
    return [_row(decided, weight) for decided in tx.learning.decided_items(since, until) if decided.text]


def _row(decided: DecidedItem, weight: float) -> dict[str, Any]:
    return {
        "id": f"decision:{decided.platform}/{decided.item_id}",
        "text": decided.text,
        "label": label_of(decided.action, decided.category),
        "category": decided.category,
        "lang": decided.lang,
        "source": f"decisions-{decided.platform}",
        "collection": DECISIONS_COLLECTION,
        "basis": "text",
        "policy_version": decided.policy_version,
        "decided_at": decided.decided_at.isoformat(),
        "weight": weight,
    }


def policy_version_in_force(settings: Settings) -> str | None:
    """The version of the TVEC policy document moderators apply now; None when the file cannot be read."""
    try:
        return current_policy(settings.tvec_policy_file).version
    except PolicyDocumentError:
        return None
