"""Claiming stream receipts: only what no earlier transaction took comes back (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest

from bastion.core import utcnow
from bastion.store.db import Database


def test_a_claim_returns_the_receipts_no_earlier_transaction_took(db: Database) -> None:
    first = [("forum", "b", "d2"), ("forum", "a", "d1"), ("forum", "a", "d1"), ("chat", "a", "d1")]
    with db.transaction() as tx:
        assert tx.stream_receipts.claim(first, utcnow()) == {
            ("forum", "a", "d1"),
            ("forum", "b", "d2"),
            ("chat", "a", "d1"),
        }
    again = [("forum", "a", "d1"), ("forum", "a", "changed"), ("forum", "c", "d3")]
    with db.transaction() as tx:
        assert tx.stream_receipts.claim(again, utcnow()) == {("forum", "a", "changed"), ("forum", "c", "d3")}
    with db.transaction() as tx:
        assert tx.stream_receipts.claim([], utcnow()) == set()


def test_a_claim_rolled_back_takes_nothing(db: Database) -> None:
    receipts = [("forum", "a", "d1")]
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.stream_receipts.claim(receipts, utcnow())
        raise RuntimeError("the batch failed after its claim")
    with db.transaction() as tx:
        assert tx.stream_receipts.claim(receipts, utcnow()) == set(receipts)
