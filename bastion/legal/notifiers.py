"""Notifiers the operators register, and trusted-flagger status (DSA Art 22).

Status is awarded by a Digital Services Coordinator, never by Bastion: an
operator records it (`bastion notifiers add --trusted`). A notice counts as a
trusted flagger's only when it carries that notifier's code, so typing a
flagger's e-mail address into the public form earns nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from bastion.store.models.notices import NotifierRow
from bastion.store.transaction import Transaction

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_MEMBER_STATE = re.compile(r"^[A-Z]{2}$")


class NotifierError(ValueError):
    """A notifier that cannot be registered or changed as asked."""


@dataclass(frozen=True)
class RegisteredNotifier:
    notifier: NotifierRow
    code: str  # shown once: the notifier puts it on its notices to be known as itself


def code_hash(code: str) -> str:
    """Codes are long random strings, so a plain SHA-256 is enough to keep them unreadable at rest."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email.strip())) and len(email.strip()) <= 320


def register_notifier(
    tx: Transaction,
    name: str,
    email: str,
    actor: str,
    now: datetime,
    trusted: bool = False,
    awarded_by: str | None = None,
    expertise: str = "",
) -> RegisteredNotifier:
    """Register a notifier (a trusted flagger with `trusted`) and issue its code, audited."""
    email = email.strip().lower()
    if not name.strip() or len(name) > 200:
        raise NotifierError("a notifier's name is 1 to 200 characters")
    if not valid_email(email):
        raise NotifierError(f"{email!r} is not an e-mail address")
    if tx.notices.notifier(email) is not None:
        raise NotifierError(f"a notifier with the e-mail address {email} is already registered")
    _check_award(trusted, awarded_by)
    code = secrets.token_urlsafe(24)
    row = tx.notices.add_notifier(
        NotifierRow(
            name=name.strip(),
            email=email,
            trusted=trusted,
            awarded_by=awarded_by,
            expertise=expertise.strip()[:200],
            code_hash=code_hash(code),
            added_at=now,
        )
    )
    tx.audit.append(action="notifier.register", subject=f"notifier:{row.id}", actor=actor, payload=_facts(row))
    return RegisteredNotifier(row, code)


def set_trusted(tx: Transaction, email: str, trusted: bool, actor: str, awarded_by: str | None = None) -> NotifierRow:
    """Record that a coordinator awarded (or revoked, Art 22(6)) a notifier's trusted-flagger status, audited.

    Notices already received keep the status they were received with: the report counts them as they were."""
    row = tx.notices.notifier(email)
    if row is None:
        raise NotifierError(f"no notifier with the e-mail address {email.strip().lower()}")
    _check_award(trusted, awarded_by or row.awarded_by)
    row.trusted = trusted
    if awarded_by:
        row.awarded_by = awarded_by
    action = "notifier.trust" if trusted else "notifier.untrust"
    tx.audit.append(action=action, subject=f"notifier:{row.id}", actor=actor, payload=_facts(row))
    return row


def notifier_by_code(tx: Transaction, code: str) -> NotifierRow | None:
    return tx.notices.notifier_with_code(code_hash(code)) if code.strip() else None


def _check_award(trusted: bool, awarded_by: str | None) -> None:
    if trusted and not (awarded_by and _MEMBER_STATE.match(awarded_by)):
        raise NotifierError(
            "a trusted flagger needs the Member State whose Digital Services Coordinator awarded the status "
            "(two capital letters, such as DE), DSA Art 22(2)"
        )


def _facts(row: NotifierRow) -> dict[str, object]:
    return {"name": row.name, "trusted": row.trusted, "awarded_by": row.awarded_by, "expertise": row.expertise}
