"""Recording checked items: each verdict row holds the verdict, each item one case, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from bastion.core import Action, Item, Verdict
from bastion.service import Service
from bastion.store.models.core import AuditRow, CaseRow

_TEXTS = ["A picnic by the river on Sunday", "Brothers, join the Crimson Dawn Brigade this week. Bring a friend."]


def _checked(service: Service, ids: list[str]) -> list[Verdict]:
    outcomes = service.check([Item(id=i, text=_TEXTS[n % 2]) for n, i in enumerate(ids)])
    assert all(isinstance(outcome, Verdict) for outcome in outcomes)
    return outcomes  # type: ignore[return-value]


def test_a_verdict_reads_back_as_the_verdict_decided(service: Service) -> None:
    verdicts = _checked(service, ["r1", "r2"])

    with service.db.snapshot() as tx:
        for verdict in verdicts:
            assert tx.items.verdict_body("local", verdict.id) == verdict.model_dump(mode="json")


def test_a_recheck_opens_no_second_case_and_audits_each_case_once(service: Service) -> None:
    first = _checked(service, ["c1", "c2", "c3", "c4"])
    again = _checked(service, ["c1", "c2", "c3", "c4", "c5", "c6"])
    flagged = {v.id for v in [*first, *again] if v.action is not Action.ALLOW}
    assert {"c2", "c4", "c6"} <= flagged

    with service.db.snapshot() as tx:
        cases = tx.session.scalars(select(CaseRow)).all()
        opened = tx.session.scalars(select(AuditRow.payload).where(AuditRow.action == "case.open")).all()
        assert tx.audit.verify().ok
    assert sorted(case.item_id for case in cases) == sorted(flagged)
    assert sorted(payload["case"] for payload in opened) == sorted(case.id for case in cases)
    assert all(case.version == 1 for case in cases)  # the same verdict again raises nothing
