"""Notices of allegedly illegal content (DSA Art 16): what a complete one holds, its receipt, and its case.

A notice is checked for the elements of Art 16(2) before anything is kept: an
incomplete one is refused with the list of what is missing. A complete one is
filed as a report on its item (`review.reports.file_report`), so it opens or
joins that item's case like any user report, and is kept with an unguessable
receipt (Art 16(4)). The notifier learns the decision on the case from the
receipt's status (Art 16(5)): `notice_status`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from bastion.core import Item, Priority
from bastion.legal.notifiers import notifier_by_code, valid_email
from bastion.legal.orders import url_forms
from bastion.review.reports import ReportReason, file_report
from bastion.store.db import Database
from bastion.store.items import CaseRequest, item_subject
from bastion.store.models.notices import NoticeRow, NotifierRow
from bastion.store.transaction import Transaction


class NoticeType(StrEnum):
    """The type of alleged illegal content, as the notifier names it (reported per type, DSA Art 15(1)(b))."""

    TERRORIST_CONTENT = "terrorist_content"
    VIOLENT_EXTREMISM = "violent_extremism"  # incitement to violence outside terrorism
    ILLEGAL_HATE_SPEECH = "illegal_hate_speech"
    CHILD_SEXUAL_ABUSE = "child_sexual_abuse"
    OTHER_ILLEGAL = "other_illegal"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# DSA Art 16(2)(c): name and e-mail are asked "except in the case of information considered to involve one of
# the offences referred to in Articles 3 to 7 of Directive 2011/93/EU" (child sexual abuse) [brief §2.2, verified].
NAME_AND_EMAIL_EXEMPT = frozenset({NoticeType.CHILD_SEXUAL_ABUSE})

_REPORT_REASON = {
    NoticeType.TERRORIST_CONTENT: ReportReason.TERRORISM,
    NoticeType.VIOLENT_EXTREMISM: ReportReason.VIOLENT_EXTREMISM,
    NoticeType.ILLEGAL_HATE_SPEECH: ReportReason.HATE,
    NoticeType.CHILD_SEXUAL_ABUSE: ReportReason.OTHER,
    NoticeType.OTHER_ILLEGAL: ReportReason.OTHER,
}
# Trusted flaggers' notices "are given priority" (DSA Art 22(1)): level with a hash match, above any user report
# (a fully trusted reporter reaches HASH_MATCH - 1), below removal orders and threats to life.
TRUSTED_FLAGGER_PRIORITY = int(Priority.HASH_MATCH)
# A public form without an account must not become a way to open cases by the thousand.
WEB_FORM_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class NoticeForm:
    """What a notifier sent, unchecked: the elements of DSA Art 16(2) and where the notice came from."""

    notice_type: str
    explanation: str
    url: str = ""
    item_id: str = ""
    notifier_name: str = ""
    notifier_email: str = ""
    good_faith: bool = False
    notifier_code: str = ""  # a registered notifier's (a trusted flagger's) code


@dataclass(frozen=True)
class Missing:
    field: str
    problem: str


class IncompleteNotice(ValueError):
    """A notice lacking elements of Art 16(2); `missing` names each, for the notifier to complete."""

    def __init__(self, missing: list[Missing]) -> None:
        super().__init__("; ".join(f"{m.field}: {m.problem}" for m in missing))
        self.missing = missing


class NoticeRefused(ValueError):
    """A complete notice Bastion cannot take (unknown item, too many from one address); `status` is the HTTP one."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Receipt:
    """The confirmation of receipt (Art 16(4)) and the case the notice joined."""

    notice_id: int
    receipt: str
    received_at: datetime
    case_id: int
    priority: int
    trusted_flagger: bool


def missing_elements(form: NoticeForm, notifier: NotifierRow | None, min_explanation: int) -> list[Missing]:
    """Every element of Art 16(2) the notice lacks; [] for a complete notice."""
    missing = []
    if form.notice_type not in {t.value for t in NoticeType}:
        missing.append(Missing("notice_type", f"one of {', '.join(t.value for t in NoticeType)}"))
    if len(form.explanation.strip()) < min_explanation:  # (a) a sufficiently substantiated explanation
        missing.append(
            Missing(
                "explanation",
                f"explain why the content is illegal (at least {min_explanation} characters), Art 16(2)(a)",
            )
        )
    if not form.item_id.strip() and not _is_url(form.url):  # (b) the exact electronic location
        missing.append(Missing("url", "the exact URL of the content (or its item id), Art 16(2)(b)"))
    elif form.url.strip() and not _is_url(form.url):
        missing.append(Missing("url", "an http(s) URL, Art 16(2)(b)"))
    if form.notice_type not in NAME_AND_EMAIL_EXEMPT and notifier is None:  # (c) name and e-mail
        if not form.notifier_name.strip():
            missing.append(Missing("notifier_name", "your name, Art 16(2)(c)"))
        if not valid_email(form.notifier_email):
            missing.append(Missing("notifier_email", "your e-mail address, Art 16(2)(c)"))
    elif form.notifier_email.strip() and not valid_email(form.notifier_email):
        missing.append(Missing("notifier_email", "an e-mail address, or nothing"))
    if not form.good_faith:  # (d) the statement of good faith
        missing.append(Missing("good_faith", "confirm you believe the notice accurate and complete, Art 16(2)(d)"))
    return missing


def check_notice(tx: Transaction, form: NoticeForm, min_explanation: int) -> NotifierRow | None:
    """The registered notifier the notice's code names (None without one); IncompleteNotice if it is not complete."""
    notifier = notifier_by_code(tx, form.notifier_code)
    missing = missing_elements(form, notifier, min_explanation)
    if form.notifier_code.strip() and notifier is None:
        missing.append(Missing("notifier_code", "no registered notifier has this code"))
    if missing:
        raise IncompleteNotice(missing)
    return notifier


def check_rate(tx: Transaction, address: str, limit: int, now: datetime) -> None:
    """Refuse the web form's notice when its address sent `limit` in the last hour (like the login limiter)."""
    if tx.notices.from_address_since(address, now - WEB_FORM_WINDOW) >= limit:
        raise NoticeRefused("Too many notices from this address: please try again in an hour.", 429)


def located_item(
    tx: Transaction, platform: str, form: NoticeForm, content: Item | None = None
) -> tuple[str, Item | None]:
    """The id of the noticed item, and the item to check first when Bastion has not seen it (else None).

    An item id names the platform's item (its `content`, when the platform sends it, is checked if new); a URL
    finds the item whose own address it is (its `permalink`, as removal orders find items), or stands for a new
    item whose id is derived from the URL, so repeated notices about one URL join one case."""
    item_id = form.item_id.strip()
    url = form.url.strip()
    if item_id:
        if tx.items.get(platform, item_id) is not None:
            return item_id, None
        if content is not None and content.id == item_id:
            return item_id, content
        if not url:
            raise NoticeRefused(f"{platform} has no item {item_id!r} known to Bastion: give its URL", 404)
        return item_id, Item(id=item_id, metadata={"url": url, "permalink": url})
    known = tx.orders.items_at(platform, url_forms(url))  # the item's own address, as orders find it
    if known:
        return known[0], None
    derived = "url-" + hashlib.sha256(url.encode()).hexdigest()[:32]
    if tx.items.get(platform, derived) is not None:
        return derived, None
    return derived, Item(id=derived, metadata={"url": url, "permalink": url})


def file_notice(
    tx: Transaction,
    form: NoticeForm,
    notifier: NotifierRow | None,
    where: tuple[str, str],
    channel: str,
    now: datetime,
    address: str | None = None,
) -> Receipt:
    """Keep a complete notice on the platform's item `where` = (platform, item id), filed as a report on it."""
    platform, item_id = where
    notice_type = NoticeType(form.notice_type)
    trusted = bool(notifier and notifier.trusted)
    item = tx.items.get(platform, item_id)
    reporter = f"flagger:{notifier.id}" if notifier else f"notice:{secrets.token_hex(8)}"
    filed = file_report(
        tx,
        item_id,
        item.author if item else None,
        reporter,
        _REPORT_REASON[notice_type],
        form.explanation[:5000],
        platform,
        now,
    )
    case = filed.case
    if trusted:
        case = tx.items.open_case(CaseRequest(platform, item_id, TRUSTED_FLAGGER_PRIORITY, [], "notice"), now)
    row = tx.notices.add(
        NoticeRow(
            receipt=secrets.token_urlsafe(24),
            platform=platform,
            item_id=item_id,
            url=form.url.strip() or None,
            notice_type=notice_type.value,
            explanation=form.explanation.strip(),
            notifier_name=form.notifier_name.strip() or (notifier.name if notifier else None),
            notifier_email=form.notifier_email.strip().lower() or (notifier.email if notifier else None),
            notifier_id=notifier.id if notifier else None,
            trusted_flagger=trusted,
            good_faith=form.good_faith,
            channel=channel,
            address=address,
            received_at=now,
            case_id=case.id,
            report_id=filed.report.id,
        )
    )
    tx.audit.append(
        action="notice.receive",
        subject=item_subject(platform, item_id),
        actor=f"notifier:{notifier.id}" if notifier else f"platform:{platform}" if channel == "api" else "notifier:web",
        payload={
            "notice": row.id,
            "type": notice_type.value,
            "channel": channel,
            "trusted_flagger": trusted,
            "case": case.id,
            "report": filed.report.id,
        },
    )
    return Receipt(row.id, row.receipt, now, case.id, case.priority, trusted)


def receive_notice(
    db: Database,
    check_item: Callable[[Item], object],
    form: NoticeForm,
    where: tuple[str, str],
    now: datetime,
    *,
    min_explanation: int,
    address: str | None = None,
    per_address: int = 0,
    content: Item | None = None,
) -> Receipt:
    """Check, locate and file a notice on `where` = (platform, channel). An item Bastion has not seen is first
    checked through the one door (`check_item`, which records it), then the notice is filed in one transaction."""
    platform, channel = where
    with db.snapshot() as tx:
        check_notice(tx, form, min_explanation)
        if address is not None:
            check_rate(tx, address, per_address, now)
        item_id, unseen = located_item(tx, platform, form, content)
    if unseen is not None:
        check_item(unseen)
    with db.transaction() as tx:  # checked again: a code revoked or a limit reached meanwhile still counts
        notifier = check_notice(tx, form, min_explanation)
        if address is not None:
            check_rate(tx, address, per_address, now)
        return file_notice(tx, form, notifier, (platform, item_id), channel, now, address)


def _is_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and len(url) <= 2048
