"""Imminent threats to life (TCO Art 14(5), DSA Art 18): marking a case, whom to inform, the referral record,
and the marked case at the top of every queue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bastion.core import Priority, utcnow
from bastion.legal.threats import ThreatError, load_contacts, mark_threat, record_referral
from bastion.review.queue import QueueFilter, queue
from bastion.settings import Settings
from bastion.store.db import Database
from bastion.store.items import CaseRequest
from bastion.store.models.review import UserRow


def test_a_marked_case_goes_above_every_other_even_a_removal_order(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    ordered, threatening = flagged_case("post-1"), flagged_case("post-2", "acct-2")
    with db.transaction() as tx:
        tx.items.open_case(CaseRequest("local", "post-1", Priority.LEGAL_ORDER, [], "legal"), utcnow())
        mark_threat(tx, threatening, users["ada"], [], "names a school and a time", utcnow())

    for who in ("ada", "cy", "lee", "aud"):  # every role's queue
        with db.snapshot() as tx:
            order = [entry.case.id for entry in queue(tx, users[who], QueueFilter(), utcnow())]
        assert order[:2] == [threatening, ordered], who


def test_marking_is_audited_once_and_refused_to_auditors(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    with db.transaction() as tx, pytest.raises(ThreatError) as refused:
        mark_threat(tx, case_id, users["aud"], [], "", utcnow())
    assert refused.value.status == 403

    with db.transaction() as tx:
        threat = mark_threat(tx, case_id, users["lee"], ["de", "FR "], "", utcnow())
    assert threat.countries == ["DE", "FR"]
    with db.transaction() as tx, pytest.raises(ThreatError) as again:
        mark_threat(tx, case_id, users["ada"], [], "", utcnow())
    assert again.value.status == 409
    with db.snapshot() as tx:
        assert tx.audit.has("threat.mark", f"case:{case_id}")


def test_bad_country_codes_are_refused(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    with db.transaction() as tx, pytest.raises(ThreatError) as refused:
        mark_threat(tx, case_id, users["ada"], ["Germany"], "", utcnow())
    assert refused.value.status == 422 and "GERMANY" in str(refused.value)


def test_a_referral_records_who_told_whom_and_when(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int], settings: Settings
) -> None:
    case_id = flagged_case()
    [europol] = load_contacts(settings.threat_contacts).to_inform([])
    with db.transaction() as tx, pytest.raises(ThreatError):
        record_referral(tx, case_id, users["ada"], europol, "", "", utcnow())  # not marked yet

    with db.transaction() as tx:
        mark_threat(tx, case_id, users["ada"], [], "", utcnow())
        record_referral(tx, case_id, users["bo"], europol, "phone", "duty officer took it", utcnow())
    with db.snapshot() as tx:
        threat = tx.threats.on_case(case_id)
        assert threat is not None
        [referral] = tx.threats.referrals(threat.id)
        assert (referral.authority, referral.country, referral.referred_by) == ("Europol", "EU", "bo")
        assert tx.audit.has("threat.refer", f"case:{case_id}")


def test_whom_to_inform_comes_from_the_data_file_with_europol_as_the_fallback(tmp_path: Path) -> None:
    shipped = load_contacts(Settings().threat_contacts)
    assert [c.name for c in shipped.to_inform(["DE"])] == ["Bundeskriminalamt (BKA)"]
    assert [c.name for c in shipped.to_inform(["MT"])] == ["Europol"]
    assert shipped.to_inform([])[0].fallback

    own = tmp_path / "contacts.yaml"
    own.write_text(
        "home_member_state: IE\nfallback: {name: Europol}\n"
        "countries:\n  IE: {name: Fictional Garda Unit, channel: phone}\n"
    )
    assert [c.name for c in load_contacts(own).to_inform(["MT"])] == ["Fictional Garda Unit", "Europol"]

    own.write_text("countries: [not a mapping")
    with pytest.raises(ThreatError):
        load_contacts(own)
