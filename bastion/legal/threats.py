"""Imminent threats to life or safety: marking a case, whom to inform, and the record of each referral.

TCO Art 14(5) (terrorist content "involving an imminent threat to life") and
DSA Art 18 (a suspected criminal offence "involving a threat to the life or
safety of a person") both ask the platform to inform the authorities promptly.
Bastion does not call anyone: it marks the case (which puts it at the top of
every queue), shows whom to inform from a data file (`threat-contacts.yaml`,
Europol as the fallback), and records who told whom, when and how, audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bastion.review.accounts import Permission, can
from bastion.store.items import CaseRequest
from bastion.store.models.review import UserRow
from bastion.store.models.threats import ReferralRow, ThreatRow
from bastion.store.transaction import Transaction

# Above every other priority, removal orders (100) included: a life comes before a deadline.
THREAT_TO_LIFE_PRIORITY = 1000
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Moderators and above: whoever decides cases of any tier may mark one (auditors only read).
_MARKERS = (Permission.DECIDE, Permission.DECIDE_ESCALATED, Permission.DECIDE_LEGAL)


class ThreatError(ValueError):
    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Contact:
    """An authority to inform, and the channel the platform agreed with it."""

    name: str
    country: str
    channel: str
    verified: bool
    fallback: bool = False


@dataclass(frozen=True)
class Contacts:
    home_member_state: str | None
    fallback: Contact
    countries: dict[str, Contact]

    def to_inform(self, concerned: list[str]) -> list[Contact]:
        """The authorities of the Member States concerned that have an entry; else the home contact point (if
        configured) and the fallback, Europol (Art 14(5): "inform ... and transmit ... to Europol")."""
        found = [self.countries[c] for c in concerned if c in self.countries]
        if found:
            return found
        home = self.countries.get(self.home_member_state or "")
        return [home, self.fallback] if home else [self.fallback]


def load_contacts(path: Path) -> Contacts:
    """Read the contacts file; a missing or malformed file is a ThreatError naming it."""
    try:
        data: dict[str, Any] = yaml.safe_load(path.expanduser().read_text()) or {}
        fallback = data["fallback"]
        countries = {
            str(code): Contact(
                str(entry["name"]), str(code), str(entry.get("channel", "")), bool(entry.get("verified"))
            )
            for code, entry in (data.get("countries") or {}).items()
        }
        return Contacts(
            data.get("home_member_state"),
            Contact(
                str(fallback["name"]),
                str(fallback.get("country", "EU")),
                str(fallback.get("channel", "")),
                bool(fallback.get("verified")),
                fallback=True,
            ),
            countries,
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
        raise ThreatError(f"cannot read the threat contacts {path}: {error}", 500) from None


def may_mark(user: UserRow) -> bool:
    return any(can(user.role, permission) for permission in _MARKERS)


def mark_threat(
    tx: Transaction, case_id: int, user: UserRow, countries: list[str], note: str, now: datetime
) -> ThreatRow:
    """Mark a case as an imminent threat to life; it goes to the top of every queue. Audited."""
    if not may_mark(user):
        raise ThreatError("marking a threat to life needs a moderator's role or above", 403)
    case = tx.cases.get(case_id)
    if case is None:
        raise ThreatError(f"no case {case_id}", 404)
    if tx.threats.on_case(case_id) is not None:
        raise ThreatError(f"case {case_id} is already marked as a threat to life")
    concerned = _countries(countries)
    threat = tx.threats.add(
        ThreatRow(
            case_id=case.id,
            platform=case.platform,
            item_id=case.item_id,
            countries=concerned,
            note=note.strip(),
            marked_by=user.username,
            marked_at=now,
        )
    )
    tx.items.open_case(CaseRequest(case.platform, case.item_id, THREAT_TO_LIFE_PRIORITY, [], "threat"), now)
    tx.audit.append(
        action="threat.mark",
        subject=f"case:{case.id}",
        actor=f"user:{user.username}",
        payload={"threat": threat.id, "countries": concerned, "note": threat.note},
    )
    return threat


def record_referral(
    tx: Transaction, case_id: int, user: UserRow, contact: Contact, channel: str, note: str, now: datetime
) -> ReferralRow:
    """Record that this user informed an authority about the case's threat (who, when, to whom). Audited."""
    if not may_mark(user):
        raise ThreatError("recording a referral needs a moderator's role or above", 403)
    threat = tx.threats.on_case(case_id)
    if threat is None:
        raise ThreatError(f"case {case_id} is not marked as a threat to life", 404)
    referral = tx.threats.add_referral(
        ReferralRow(
            threat_id=threat.id,
            authority=contact.name,
            country=contact.country,
            channel=(channel.strip() or contact.channel)[:200],
            note=note.strip(),
            referred_by=user.username,
            referred_at=now,
        )
    )
    tx.audit.append(
        action="threat.refer",
        subject=f"case:{case_id}",
        actor=f"user:{user.username}",
        payload={
            "threat": threat.id,
            "referral": referral.id,
            "authority": contact.name,
            "country": contact.country,
            "channel": referral.channel,
        },
    )
    return referral


def _countries(codes: list[str]) -> list[str]:
    cleaned = sorted({code.strip().upper() for code in codes if code.strip()})
    bad = [code for code in cleaned if not _COUNTRY.match(code)]
    if bad:
        raise ThreatError(f"countries are two-letter codes, such as DE or FR (not {', '.join(bad)})", 422)
    return cleaned
