"""Builds a statement of reasons (DSA Art 17) in the Transparency Database's
shape (Art 24(5)) from how a restrictive decision was actually made. It never
carries personal data: no usernames, author ids or item text (Art 24(5))."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bastion.legal.sor_vocabulary import TERRITORIES

TERMS_GROUND = "Terms of service: terrorist and violent extremist content"


class DecisionPath(StrEnum):
    """How a restriction came about; this alone sets the automation flags (Art 17(3)(c))."""

    AUTOMATIC = "automatic"  # e.g. an exact hash match removed with no person involved
    HUMAN_ON_AUTOMATED_FLAG = "human_on_automated_flag"  # a moderator removes what a model flagged
    HUMAN_ON_REPORT = "human_on_report"  # a person decides a user's report
    ORDER = "order"  # an authority's removal order, carried out
    HUMAN_OWN_INITIATIVE = "human_own_initiative"  # a person found it with no flag or report (a blind sample)


# (automated_detection, automated_decision) per path (brief §3.2 notes: FULLY = no human).
AUTOMATION = {
    DecisionPath.AUTOMATIC: ("Yes", "AUTOMATED_DECISION_FULLY"),
    DecisionPath.HUMAN_ON_AUTOMATED_FLAG: ("Yes", "AUTOMATED_DECISION_NOT_AUTOMATED"),
    DecisionPath.HUMAN_ON_REPORT: ("No", "AUTOMATED_DECISION_NOT_AUTOMATED"),
    DecisionPath.ORDER: ("No", "AUTOMATED_DECISION_NOT_AUTOMATED"),
    DecisionPath.HUMAN_OWN_INITIATIVE: ("No", "AUTOMATED_DECISION_NOT_AUTOMATED"),
}
# Own-initiative detection is SOURCE_VOLUNTARY; reports and orders not under DSA
# Art 9 are other notifications (brief §3.2; whether a TCO order is an Art 9 order
# is unconfirmed, so the order's source type is a parameter).
SOURCE = {
    DecisionPath.AUTOMATIC: "SOURCE_VOLUNTARY",
    DecisionPath.HUMAN_ON_AUTOMATED_FLAG: "SOURCE_VOLUNTARY",
    DecisionPath.HUMAN_ON_REPORT: "SOURCE_TYPE_OTHER_NOTIFICATION",
    DecisionPath.ORDER: "SOURCE_TYPE_OTHER_NOTIFICATION",
    DecisionPath.HUMAN_OWN_INITIATIVE: "SOURCE_VOLUNTARY",
}
CONTENT_TYPES = {
    "text": "CONTENT_TYPE_TEXT",
    "image": "CONTENT_TYPE_IMAGE",
    "video": "CONTENT_TYPE_VIDEO",
    "audio": "CONTENT_TYPE_AUDIO",
}
# What each of Bastion's restrictions is in the TDB's words (DSA Art 17(1)(a): removal, disabling, other
# visibility restrictions; a geo-block disables access in the countries named).
VISIBILITY = {
    "remove": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "disable": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "restrict": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "label": "DECISION_VISIBILITY_CONTENT_LABELLED",
}
# A suspended account is a restriction of the service to the recipient (DSA Art 17(1)(c)), not of one item.
ACCOUNT_DECISIONS = {"suspend": "DECISION_ACCOUNT_SUSPENDED"}
TCO_URL = "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:32021R0784"


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
    restriction: str = "remove"  # remove, disable, restrict (geo-block), label, suspend (an account)
    source_type: str | None = None  # a notice's SOURCE_ARTICLE_16 / SOURCE_TRUSTED_FLAGGER, over the path's
    legal_ground: str | None = None  # set for illegal content (an order's Art 2(7) grounds); else the T&C ground
    lang: str | None = None  # the item's language, when known
    basis: str = ""  # what restricted it (decision:12, order:3, automatic): one statement per restriction


def statement_puid(platform: str, item_id: str, decided_at: datetime, basis: str = "") -> str:
    """A stable id per decision that reveals neither the platform's item id nor a user (brief §3: puid)."""
    digest = hashlib.sha256(f"{platform}\0{item_id}\0{decided_at.isoformat()}\0{basis}".encode()).hexdigest()
    return f"bastion-{digest[:40]}"


def build_statement(r: Restriction) -> dict[str, Any]:
    """The TDB payload for a restriction of terrorist content (TCO Art 2(7), brief §0.6 mapping)."""
    detection, decision = AUTOMATION[r.path]
    source = r.source_type or (r.order_source_type if r.path is DecisionPath.ORDER else SOURCE[r.path])
    if r.restriction in ACCOUNT_DECISIONS:
        decided: dict[str, Any] = {"decision_account": ACCOUNT_DECISIONS[r.restriction]}
    else:
        decided = {"decision_visibility": [VISIBILITY.get(r.restriction, VISIBILITY["remove"])]}
    statement: dict[str, Any] = {
        **decided,
        **_ground(r),
        "content_type": sorted({CONTENT_TYPES.get(m, "CONTENT_TYPE_TEXT") for m in r.media} or {"CONTENT_TYPE_TEXT"}),
        "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
        "content_date": r.posted_at.date().isoformat(),
        "application_date": r.decided_at.date().isoformat(),
        "decision_facts": r.facts[:5000],
        "source_type": source,
        "automated_detection": detection,
        "automated_decision": decision,
        "puid": statement_puid(r.platform, r.item_id, r.decided_at, r.basis),
    }
    scope = territorial_scope(r)
    if scope:
        statement["territorial_scope"] = scope
    if r.lang and len(r.lang) == 2 and r.lang.isalpha():
        statement["content_language"] = r.lang.upper()
    return statement


def territorial_scope(r: Restriction) -> list[str]:
    """Where the restriction applies, in the TDB's territories: a geo-block's countries, else all of them."""
    if r.territorial_scope:
        return sorted({c.upper() for c in r.territorial_scope} & TERRITORIES)
    return [] if r.restriction == "restrict" else sorted(TERRITORIES)


def _ground(r: Restriction) -> dict[str, str]:
    """Art 17(3)(d) for illegal content (its legal ground), else (e): the terms-and-conditions ground."""
    if r.legal_ground:
        return {
            "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
            "illegal_content_legal_ground": r.legal_ground[:500],
            "illegal_content_explanation": r.facts[:2000],
            "decision_ground_reference_url": TCO_URL,
        }
    return {
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": TERMS_GROUND,
        "incompatible_content_explanation": r.facts[:2000],
    }
