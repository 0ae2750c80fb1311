"""The audit chain's links: a record rewritten with a hash that fits its new content still breaks the
link from the record after it, so an edit that recomputes its own hash is caught (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select, update

from bastion.store.audit import record_hash
from bastion.store.db import Database
from bastion.store.models.core import AuditRow


def test_a_record_rewritten_with_a_matching_hash_breaks_the_next_link(db: Database) -> None:
    with db.transaction() as tx:
        for i in range(4):
            tx.audit.append(action="test.event", subject=f"s{i}", actor="tester", payload={"i": i})
    with db.session() as session:
        row = session.scalars(select(AuditRow).where(AuditRow.seq == 2)).one()
        forged = record_hash(row.prev_hash, row.seq, row.at, row.action, row.subject, "someone else", row.payload)
        session.execute(update(AuditRow).where(AuditRow.seq == 2).values(actor="someone else", hash=forged))

    with db.snapshot() as tx:
        report = tx.audit.verify()

    assert not report.ok
    assert report.first_broken == 3
    assert "prev_hash" in (report.reason or "")
