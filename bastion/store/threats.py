"""Threats to life marked on cases, and the referrals made about them, as stored."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.store.models.threats import ReferralRow, ThreatRow


class ThreatRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, threat: ThreatRow) -> ThreatRow:
        self._session.add(threat)
        self._session.flush()
        return threat

    def on_case(self, case_id: int) -> ThreatRow | None:
        return self._session.scalar(select(ThreatRow).where(ThreatRow.case_id == case_id))

    def add_referral(self, referral: ReferralRow) -> ReferralRow:
        self._session.add(referral)
        self._session.flush()
        return referral

    def referrals(self, threat_id: int) -> list[ReferralRow]:
        query = select(ReferralRow).where(ReferralRow.threat_id == threat_id).order_by(ReferralRow.id)
        return list(self._session.scalars(query))
