"""Regulation (EU) 2021/784 on addressing the dissemination of terrorist content online ("TCO").

Durations are the Regulation's own; where it lets an authority ask for more
(preservation "for six months or longer upon request"), the longer period comes
with the occurrence's facts, never from a constant here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bastion.legal.base import Duty, LegalEvent, LegalRegime, Occurrence

REMOVAL_DEADLINE = timedelta(hours=1)  # Art. 3(3): "in any event within one hour of receipt"
PRESERVATION = timedelta(days=183)  # Art. 6(2): six months from removal (183 days covers every six-month span)


class EuTco(LegalRegime):
    name = "eu-tco"
    title = "Regulation (EU) 2021/784 (terrorist content online)"

    def duties(self, occurrence: Occurrence) -> list[Duty]:
        if occurrence.event is LegalEvent.ORDER_RECEIVED:
            return [self._remove_within_one_hour(occurrence)]
        if occurrence.event is LegalEvent.CONTENT_RESTRICTED and occurrence.facts.get("removal_order"):
            return [self._preserve(occurrence), self._inform_provider(occurrence)]
        return []

    def _remove_within_one_hour(self, occurrence: Occurrence) -> Duty:
        return Duty(
            regime=self.name,
            name="remove_within_one_hour",
            description="remove the content or disable access to it in all Member States",
            basis="Regulation (EU) 2021/784, Art. 3(3)",
            subject=occurrence.subject,
            due_at=occurrence.at + REMOVAL_DEADLINE,
        )

    def _preserve(self, occurrence: Occurrence) -> Duty:
        keep_until = occurrence.at + PRESERVATION
        requested = occurrence.facts.get("preserve_until")  # Art. 6(2): longer, on an authority's request
        if isinstance(requested, datetime) and requested > keep_until:
            keep_until = requested
        return Duty(
            regime=self.name,
            name="preserve_removed_content",
            description="preserve the removed content and related data",
            basis="Regulation (EU) 2021/784, Art. 6(2)",
            subject=occurrence.subject,
            keep_until=keep_until,
        )

    def _inform_provider(self, occurrence: Occurrence) -> Duty:
        return Duty(
            regime=self.name,
            name="inform_content_provider",
            description="make information on the removal available to the content provider, unless an authority "
            "decided on non-disclosure (Art. 11(3))",
            basis="Regulation (EU) 2021/784, Art. 11(1)",
            subject=occurrence.subject,
        )
