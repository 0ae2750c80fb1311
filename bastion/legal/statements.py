"""Builds a statement of reasons (DSA Art 17) in the Transparency Database's
shape (Art 24(5)) from how a restrictive decision was actually made. It never
carries personal data: no usernames, author ids or item text (Art 24(5))."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class DecisionPath(StrEnum):
    """How a restriction came about; this alone sets the automation flags (Art 17(3)(c))."""

    AUTOMATIC = "automatic"  # e.g. an exact hash match removed with no person involved
    HUMAN_ON_AUTOMATED_FLAG = "human_on_automated_flag"  # a moderator removes what a model flagged
    HUMAN_ON_REPORT = "human_on_report"  # a person decides a user's report
    ORDER = "order"  # an authority's removal order, carried out


# (automated_detection, automated_decision) per path (brief §3.2 notes: FULLY = no human).
AUTOMATION = {
    DecisionPath.AUTOMATIC: ("Yes", "AUTOMATED_DECISION_FULLY"),
    DecisionPath.HUMAN_ON_AUTOMATED_FLAG: ("Yes", "AUTOMATED_DECISION_NOT_AUTOMATED"),
    DecisionPath.HUMAN_ON_REPORT: ("No", "AUTOMATED_DECISION_NOT_AUTOMATED"),
    DecisionPath.ORDER: ("No", "AUTOMATED_DECISION_NOT_AUTOMATED"),
}
# Own-initiative detection is SOURCE_VOLUNTARY; reports and orders not under DSA
# Art 9 are other notifications (brief §3.2; whether a TCO order is an Art 9 order
# is unconfirmed, so the order's source type is a parameter).
SOURCE = {
    DecisionPath.AUTOMATIC: "SOURCE_VOLUNTARY",
    DecisionPath.HUMAN_ON_AUTOMATED_FLAG: "SOURCE_VOLUNTARY",
    DecisionPath.HUMAN_ON_REPORT: "SOURCE_TYPE_OTHER_NOTIFICATION",
    DecisionPath.ORDER: "SOURCE_TYPE_OTHER_NOTIFICATION",
}
CONTENT_TYPES = {
    "text": "CONTENT_TYPE_TEXT",
    "image": "CONTENT_TYPE_IMAGE",
    "video": "CONTENT_TYPE_VIDEO",
    "audio": "CONTENT_TYPE_AUDIO",
}


@dataclass(frozen=True)
class Restriction:
    """What the statement needs to know about one restrictive decision."""

    platform: str
    item_id: str
    path: DecisionPath
    media: tuple[str, ...]
    posted_at: datetime
    decided_at: datetime
    facts: str  # written by Bastion from the rule or reason, never the item's text
    territorial_scope: tuple[str, ...] = ()
    order_source_type: str = "SOURCE_TYPE_OTHER_NOTIFICATION"


def statement_puid(platform: str, item_id: str, decided_at: datetime) -> str:
    """A stable id per decision that reveals neither the platform's item id nor a user (brief §3: puid)."""
    digest = hashlib.sha256(f"{platform}\0{item_id}\0{decided_at.isoformat()}".encode()).hexdigest()
    return f"bastion-{digest[:40]}"


def build_statement(r: Restriction) -> dict[str, Any]:
    """The TDB payload for a removal of terrorist content (TCO Art 2(7), brief §1.6 mapping)."""
    detection, decision = AUTOMATION[r.path]
    source = r.order_source_type if r.path is DecisionPath.ORDER else SOURCE[r.path]
    statement: dict[str, Any] = {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Terms of service: terrorist and violent extremist content",
        "incompatible_content_explanation": r.facts[:2000],
        "content_type": sorted({CONTENT_TYPES.get(m, "CONTENT_TYPE_TEXT") for m in r.media} or {"CONTENT_TYPE_TEXT"}),
        "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
        "content_date": r.posted_at.date().isoformat(),
        "application_date": r.decided_at.date().isoformat(),
        "decision_facts": r.facts[:5000],
        "source_type": source,
        "automated_detection": detection,
        "automated_decision": decision,
        "puid": statement_puid(r.platform, r.item_id, r.decided_at),
    }
    if r.territorial_scope:
        statement["territorial_scope"] = sorted(set(r.territorial_scope))
    return statement
