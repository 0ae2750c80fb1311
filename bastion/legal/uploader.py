"""The statement of reasons as the uploader reads it (DSA Art 17(3)(a)-(f); TCO Art 11(1)-(2) for orders): made
from the stored statement, sent as the details of a `statement_of_reasons` action for the platform to show its user.

It is written for a person: what was done and where, on what facts, whether automated means were used, on which
ground, and how to contest it. Like the Transparency Database record, it never quotes the item or names a user.
"""

from __future__ import annotations

from typing import Any

from bastion.legal.statements import AUTOMATION, DecisionPath
from bastion.store.models.statements import StatementRow

_DONE = {
    "remove": "Your content was removed.",
    "disable": "Access to your content was disabled.",
    "restrict": "Your content was made unavailable in some countries.",
    "label": "Your content was given a warning label.",
}
_AUTOMATION = {
    "AUTOMATED_DECISION_FULLY": "The decision was taken by automated means, without a person.",
    "AUTOMATED_DECISION_PARTIALLY": "The decision was taken by a person with the help of automated means.",
    "AUTOMATED_DECISION_NOT_AUTOMATED": "The decision was taken by a person.",
}
# DSA Art 17(3)(f): internal complaint handling (Art 20), out-of-court dispute settlement (Art 21), the courts.
_REDRESS = (
    "You can complain about this decision through our complaint system, free of charge, for at least six months "
    "from today (DSA Art 20). You can also turn to a certified out-of-court dispute settlement body (DSA Art 21) "
    "or to the courts."
)
# TCO Art 9 and 11(2): an order is challenged before the courts of the issuing Member State; on request the
# provider gives the reasons and the right to challenge, or a copy of the order.
_ORDER_REDRESS = (
    "This was done under a removal order of a competent authority (Regulation (EU) 2021/784, Art 3). You may "
    "challenge the order before the courts of the Member State whose authority issued it (Art 9), and you may ask "
    "us for the reasons and a copy of the order (Art 11(2))."
)


def uploader_statement(statement: StatementRow, order_redress: str = "") -> dict[str, Any]:
    """The statement of reasons for the uploader, as the `statement_of_reasons` action's details."""
    path = DecisionPath(statement.path)
    detected, _ = AUTOMATION[path]
    record = statement.record
    scope = record.get("territorial_scope") or []
    ground = record.get("illegal_content_legal_ground") or record.get("incompatible_content_ground")
    redress = (
        _ORDER_REDRESS + (f" {order_redress}" if order_redress else "") if path is DecisionPath.ORDER else _REDRESS
    )
    return {
        "statement": statement.id,
        "puid": statement.puid,
        "decision": _DONE.get(statement.restriction, _DONE["remove"]),  # Art 17(3)(a)
        "restriction": statement.restriction,
        "territorial_scope": scope,
        "duration": "until further notice",
        "facts": statement.facts,  # Art 17(3)(b)
        "automated_detection": detected == "Yes",  # Art 17(3)(c)
        "automated_means": ("It was detected by automated means. " if detected == "Yes" else "")
        + _AUTOMATION[statement.automated_decision],
        "ground": ground,  # Art 17(3)(d) or (e)
        "illegal": record.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT",
        "redress": redress,  # Art 17(3)(f)
        "decided_at": statement.decided_at.isoformat(),
    }
