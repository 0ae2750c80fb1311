"""Strikes on SQLite and PostgreSQL: upheld removals strike the author and the container, decay over the
policy's window, open an actor-level case at a threshold with the evidence counted, and a reversal on appeal
revokes its strike. An actor-level decision goes out through the webhook outbox and is appealable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bastion.actors.conduct import conduct_facts
from bastion.actors.policy import ConductPolicy, ConductPolicyError, Threshold, load_conduct_policy
from bastion.core import Category, Item, utcnow
from bastion.review.cases import AppealOutcome, Decision, ReviewError, claim, decide, decide_appeal, file_appeal
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.review import OutboxRow, UserRow
from tests.actors.conftest import removed_post

POLICY = ConductPolicy(
    window_days=30,
    weights={"default": 1.0, "instruction": 3.0},
    thresholds=[Threshold(name="sustained-glorification", when="strikes.glorification >= 3", priority=35)],
)


def test_strikes_accumulate_with_weights_and_decay_over_the_window(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    start = utcnow()
    removed_post(service, users["ada"], "p-1", "acct-1", start, conduct=POLICY)
    removed_post(service, users["ada"], "p-2", "acct-1", start, Category.INSTRUCTION, conduct=POLICY)
    with db.snapshot() as tx:
        actor = tx.actors.find("local", "account", "acct-1")
        assert actor is not None and actor.removed == 2
        assert conduct_facts(tx, actor, start, POLICY)["points"] == pytest.approx(4.0)
        assert conduct_facts(tx, actor, start + timedelta(days=15), POLICY)["points"] == pytest.approx(2.0)
        late = conduct_facts(tx, actor, start + timedelta(days=31), POLICY)
    assert late["points"] == 0.0 and late["strikes"]["total"] == 0


def test_a_threshold_opens_one_actor_case_for_the_page_with_the_evidence_counted(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    page = {"id": "page-9", "name": "Fictional page"}
    now = utcnow()
    for n in range(4):
        removed_post(service, users["ada"], f"p-{n}", f"acct-{n}", now, container=page, conduct=POLICY)
    with db.snapshot() as tx:
        container = tx.actors.find("local", "container", "page-9")
        assert container is not None
        cases = tx.conduct.cases_about(container.id)
        assert len(cases) == 1  # the fourth removal updated the count, it opened no second case
        about, case = cases[0]
        assert (about.reason, case.source, case.priority, case.state) == ("conduct", "conduct", 35, "open")
        assert about.evidence["counted"] == ["4 upheld glorification removals in 30 days"]
        assert tx.actors.find("local", "account", "acct-0") is not None
        assert tx.conduct.cases_about(tx.actors.find("local", "account", "acct-0").id) == []  # one strike each


def test_a_reversal_on_appeal_revokes_its_strike(service: Service, db: Database, users: dict[str, UserRow]) -> None:
    now = utcnow()
    case_id = removed_post(service, users["ada"], "p-1", "acct-1", now, conduct=POLICY)
    removed_post(service, users["ada"], "p-2", "acct-1", now, conduct=POLICY)
    with db.transaction() as tx:
        file_appeal(tx, "local", "p-1", "acct-1", "It was a quote in a news story.", now)
        claim(tx, case_id, users["bo"], now)
        decide_appeal(tx, case_id, users["bo"], AppealOutcome.REVERSE, now)
    with db.snapshot() as tx:
        actor = tx.actors.find("local", "account", "acct-1")
        assert actor is not None and actor.removed == 1
        assert [s.case_id for s in tx.conduct.strikes(actor.id)] != [case_id]
        assert len(tx.conduct.strikes(actor.id)) == 1
        assert conduct_facts(tx, actor, now, POLICY)["points"] == pytest.approx(1.0)


def test_an_actor_decision_is_sent_with_the_actor_and_can_be_appealed_and_reversed(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    now = utcnow()
    for n in range(3):
        removed_post(service, users["ada"], f"p-{n}", "acct-7", now, conduct=POLICY)
    with db.transaction() as tx:
        actor = tx.actors.find("local", "account", "acct-7")
        ((_about, case),) = tx.conduct.cases_about(actor.id)
        claim(tx, case.id, users["bo"], now)
        decide(tx, case.id, users["bo"], Decision.SUSPEND, now, Category.GLORIFICATION, conduct=POLICY)
    with db.snapshot() as tx:
        assert tx.actors.get(actor.id).status == "suspended"
        sent = tx.session.scalars(select(OutboxRow).where(OutboxRow.action == "suspend")).one()
        assert sent.payload["actor"] == {"platform": "local", "kind": "account", "id": "acct-7", "surface": None}
        assert len(tx.conduct.respawn_bank("local")) == 1
        [statement] = [s for s in tx.statements.for_item("local", case.item_id) if s.restriction == "suspend"]
        assert statement.record["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"  # DSA Art 17(1)(c)
        assert "decision_visibility" not in statement.record
    with db.transaction() as tx:
        file_appeal(tx, "local", case.item_id, "acct-7", "Those posts were satire.", now)
        claim(tx, case.id, users["cy"], now)
        decide_appeal(tx, case.id, users["cy"], AppealOutcome.REVERSE, now)
    with db.snapshot() as tx:
        assert tx.actors.get(actor.id).status == "active"
        assert tx.conduct.respawn_bank("local") == []  # the reversed removal keeps no fingerprints
        restored = tx.session.scalars(select(OutboxRow).where(OutboxRow.action == "restore")).all()
        assert [r.item_id for r in restored] == [case.item_id]


def test_suspending_is_only_for_actor_cases(service: Service, db: Database, users: dict[str, UserRow]) -> None:
    removed_post(service, users["ada"], "p-1", "acct-1", utcnow(), conduct=POLICY)
    service.check([Item(id="p-9", text="Join the Crimson Dawn Brigade today", author="acct-2")])
    with db.transaction() as tx:
        case = tx.cases.for_item("local", "p-9")
        claim(tx, case.id, users["ada"], utcnow())
        with pytest.raises(ReviewError, match="suspending is for a case about an account"):
            decide(tx, case.id, users["ada"], Decision.SUSPEND, utcnow(), Category.GLORIFICATION)


def test_a_bad_conduct_policy_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "conduct.yaml"
    path.write_text("thresholds:\n  - name: x\n    when: 'strikes.total >>= 2'\nweights: {nationality: 2}\n")
    with pytest.raises(ConductPolicyError, match="not valid") as error:
        load_conduct_policy(path)
    assert "invalid CEL" in str(error.value) and "nationality" in str(error.value)
    assert load_conduct_policy().thresholds  # the packaged policy loads


def test_an_actor_decision_is_never_a_text_label(service: Service, db: Database, users: dict[str, UserRow]) -> None:
    now = utcnow()
    for n in range(3):
        removed_post(service, users["ada"], f"p-{n}", "acct-3", now, conduct=POLICY)
    with db.transaction() as tx:
        ((_, case),) = tx.conduct.cases_about(tx.actors.find("local", "account", "acct-3").id)
        claim(tx, case.id, users["bo"], now)
        decide(tx, case.id, users["bo"], Decision.REMOVE, now, Category.GLORIFICATION, conduct=POLICY)
    with db.snapshot() as tx:
        labelled = {decided.item_id for decided in tx.learning.decided_items()}
    assert labelled == {"p-0", "p-1", "p-2"}  # the account's record item judged conduct, not text
