"""Preservation (TCO Art 6): what an order removes is kept six months from removal, longer on request, then
purged by the scheduled job, audited; only legal officers and admins open it, every opening audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bastion.legal.preservation import extend_hold, purge_due
from bastion.media.preserve import HeldMaterial, discard
from bastion.store.models.core import AuditRow
from bastion.store.models.orders import HoldRow
from tests.legal.orders_support import (
    RECEIVED,
    Legal,
    an_order,
    bank_poster,
    check_poster,
    legal,
    logged_in,
    minutes,
)

__all__ = ["legal"]
SIX_MONTHS = timedelta(days=183)


def _removed_under_an_order(legal: Legal) -> tuple[HoldRow, str]:
    """A banked poster (its bytes kept) named by an order, removed 15 minutes after receipt."""
    digest = bank_poster(legal, 21)
    check_poster(legal, "post-1", 21, permalink="https://forum.example/p/1")
    assert legal.send(an_order()).status_code == 201
    legal.acknowledge(RECEIVED + minutes(15))
    legal.tick(RECEIVED + minutes(16))
    with legal.db.snapshot() as tx:
        [hold] = tx.holds.live()
    return hold, digest


def _audit(legal: Legal, action: str) -> list[AuditRow]:
    with legal.db.snapshot() as tx:
        return list(tx.session.scalars(select(AuditRow).where(AuditRow.action == action)))


def test_removed_content_is_kept_six_months_from_removal_then_purged_and_the_purge_audited(legal: Legal) -> None:
    hold, digest = _removed_under_an_order(legal)
    removed = RECEIVED + minutes(15)
    preserved = legal.settings.data_dir / "preserved" / digest

    assert hold.keep_until == removed + SIX_MONTHS  # Art 6(2): from removal, not from receipt
    assert preserved.read_bytes() == (legal.settings.data_dir / "media" / digest).read_bytes()
    assert hold.material["item"]["id"] == "post-1" and hold.material["verdict"]["action"] == "remove"

    assert purge_due(legal.db, legal.settings.data_dir, hold.keep_until - timedelta(seconds=1)).purged == 0
    report = purge_due(legal.db, legal.settings.data_dir, hold.keep_until)

    assert (report.purged, report.files_removed) == (1, 1)
    assert not preserved.exists()
    with legal.db.snapshot() as tx:
        purged = tx.holds.get(hold.id)
    assert purged is not None and purged.material == {} and purged.purged_at == hold.keep_until
    [record] = _audit(legal, "preservation.purge")
    assert record.subject == f"hold:{hold.id}" and record.payload["item"] == "item:forum-a/post-1"


def test_an_authority_may_ask_for_longer_and_never_for_shorter(legal: Legal) -> None:
    hold, digest = _removed_under_an_order(legal)
    longer = hold.keep_until + timedelta(days=200)
    with legal.db.transaction() as tx:
        with pytest.raises(ValueError, match="only extended"):
            extend_hold(tx, hold.id, hold.keep_until - timedelta(days=1), RECEIVED, "user:legal", "court")
        extend_hold(tx, hold.id, longer, RECEIVED + minutes(30), "user:legal", "request of the fictional court")

    assert purge_due(legal.db, legal.settings.data_dir, hold.keep_until + timedelta(days=1)).purged == 0
    assert (legal.settings.data_dir / "preserved" / digest).exists()
    assert purge_due(legal.db, legal.settings.data_dir, longer).purged == 1


def test_no_other_deletion_job_may_remove_held_media(legal: Legal) -> None:
    hold, digest = _removed_under_an_order(legal)
    kept = legal.settings.data_dir / "media"
    with legal.db.snapshot() as tx:
        held = tx.holds.held_digests(RECEIVED + timedelta(days=30))
        assert tx.holds.is_held("forum-a", "post-1", RECEIVED + timedelta(days=30))

    with pytest.raises(HeldMaterial):
        discard(kept, digest, held)
    assert (kept / digest).exists()
    with legal.db.snapshot() as tx:  # once the hold has ended, the file is anyone's to delete
        after = tx.holds.held_digests(hold.keep_until)
    assert discard(kept, digest, after) is True


@pytest.mark.parametrize("role", ["moderator", "senior_moderator", "auditor"])
def test_other_roles_are_refused_preserved_material_and_nothing_is_opened(legal: Legal, role: str) -> None:
    hold, _ = _removed_under_an_order(legal)
    client, _ = logged_in(legal, role)

    for path in (f"/legal/preserved/{hold.id}", f"/legal/preserved/{hold.id}/material.json"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "post-1" not in response.text
    assert client.get(f"/legal/preserved/{hold.id}/media").status_code == 403
    assert _audit(legal, "preservation.open") == []


@pytest.mark.parametrize("role", ["legal", "admin"])
def test_legal_and_admin_open_preserved_material_and_each_opening_is_audited(legal: Legal, role: str) -> None:
    hold, digest = _removed_under_an_order(legal)
    client, _ = logged_in(legal, role)

    page = client.get(f"/legal/preserved/{hold.id}")
    material = client.get(f"/legal/preserved/{hold.id}/material.json")
    media = client.get(f"/legal/preserved/{hold.id}/media")

    assert page.status_code == 200 and "forum-a/post-1" in page.text
    assert material.json()["material"]["item"]["id"] == "post-1"
    assert media.status_code == 200 and media.content == (legal.settings.data_dir / "preserved" / digest).read_bytes()
    openings = _audit(legal, "preservation.open")
    assert sorted(r.payload["part"] for r in openings) == ["json", "material", "media"]
    assert {(r.subject, r.actor) for r in openings} == {(f"hold:{hold.id}", f"user:{role}")}
