"""What a notifier is told about their notice (DSA Art 16(5) and (6)): the decision on its case, when it was
taken, whether automated means took it, and the ways to contest it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bastion.review.automatic import automatic_action
from bastion.store.models.notices import NoticeRow
from bastion.store.transaction import Transaction

_ESCALATIONS = {"escalate_senior", "escalate_legal"}
DECISION_WORDS = {
    "remove": "the content was removed",
    "restrict": "access to the content was disabled in some countries",
    "label": "the content was given a warning label",
    "no_violation": "no action was taken: the content was not found to be illegal or against the terms",
}


@dataclass(frozen=True)
class NoticeStatus:
    notice: NoticeRow
    decision: str | None  # remove, restrict, label, no_violation; None while the case is undecided
    decided_at: datetime | None
    automated: bool  # decided by automated means (Art 16(6)), e.g. an exact hash match removed at once
    reversed_on_appeal: bool

    @property
    def state(self) -> str:
        return "received" if self.decision is None else "decided"

    @property
    def explained(self) -> str:
        if self.decision is None:
            return "Your notice is being reviewed."
        said = DECISION_WORDS.get(self.decision, self.decision)
        return f"{said[0].upper()}{said[1:]}" + (" (later reversed on appeal)." if self.reversed_on_appeal else ".")

    def as_json(self) -> dict[str, object]:
        return {
            "notice_id": self.notice.id,
            "receipt": self.notice.receipt,
            "received_at": self.notice.received_at.isoformat(),
            "state": self.state,
            "decision": self.decision,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "automated_decision": self.automated,
            "reversed_on_appeal": self.reversed_on_appeal,
            "explanation": self.explained,
        }


def notice_status(tx: Transaction, notice: NoticeRow) -> NoticeStatus:
    """The decision on the notice's case as it stands: the latest person's decision, else an automatic removal."""
    decisions = tx.notices.decisions_on(notice.case_id)
    final = [d for d in decisions if d.stage == "first" and d.action not in _ESCALATIONS]
    reversed_ = any(d.stage == "appeal" and d.action == "reversed" for d in decisions)
    if final:
        return NoticeStatus(notice, final[-1].action, final[-1].decided_at, False, reversed_)
    verdict = tx.items.verdict_body(notice.platform, notice.item_id) or {}
    if automatic_action(verdict) is not None:
        decided = verdict.get("decided_at")
        at = datetime.fromisoformat(decided) if isinstance(decided, str) else None
        return NoticeStatus(notice, "remove", at, True, reversed_)
    return NoticeStatus(notice, None, None, False, reversed_)
