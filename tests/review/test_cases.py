"""Claims, decisions, escalations and appeals on both databases; each role can do exactly what it should."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from bastion.core import Category, utcnow
from bastion.review.accounts import PERMISSIONS, Permission, Role, authenticate, can
from bastion.review.cases import AppealOutcome, Decision, ReviewError, claim, decide, decide_appeal, file_appeal
from bastion.review.queue import QueueFilter, queue
from bastion.store.db import Database
from bastion.store.models.core import AuditRow
from bastion.store.models.review import OutboxRow, UserRow
from tests.review.conftest import PASSWORD

EXPECTED = {
    Role.ADMIN: set(Permission),
    Role.SENIOR_MODERATOR: {"view_queue", "decide", "decide_escalated", "decide_appeal", "view_dashboard"},
    Role.MODERATOR: {"view_queue", "decide", "decide_appeal"},
    Role.LEGAL: {"view_queue", "decide_legal", "view_dashboard", "view_audit", "manage_orders", "open_preserved"},
    Role.AUDITOR: {"view_queue", "view_dashboard", "view_audit"},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_exactly_its_permissions(role: Role) -> None:
    assert {p.value for p in PERMISSIONS[role]} == {str(p) for p in EXPECTED[role]}
    assert all(can(role.value, p) == (p in PERMISSIONS[role]) for p in Permission)
    assert not can("intruder", Permission.VIEW_QUEUE)


def test_passwords_are_argon2_and_checked(db: Database, users: dict[str, UserRow]) -> None:
    assert users["ada"].password_hash.startswith("$argon2id$")
    with db.snapshot() as tx:
        assert authenticate(tx, "ada", PASSWORD) is not None
        assert authenticate(tx, "ada", "wrong-password") is None
        assert authenticate(tx, "nobody", PASSWORD) is None


def test_two_moderators_claiming_at_once_one_wins(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    barrier, outcomes = threading.Barrier(2), {}

    def attempt(name: str) -> None:
        barrier.wait()
        try:
            with db.transaction() as tx:
                claim(tx, case_id, users[name], utcnow())
            outcomes[name] = "won"
        except ReviewError as error:
            outcomes[name] = str(error)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("ada", "bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()).count("won") == 1
    loser = next(v for v in outcomes.values() if v != "won")
    assert "already claimed by" in loser


def test_a_decision_leaves_the_queue_is_audited_and_queues_the_action(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    ada = users["ada"]
    with db.transaction() as tx:
        assert [e.case.id for e in queue(tx, ada, QueueFilter(), utcnow())] == [case_id]
        with pytest.raises(ReviewError, match="claim case"):
            decide(tx, case_id, ada, Decision.REMOVE, utcnow(), Category.RECRUITMENT)
        claim(tx, case_id, ada, utcnow())
        with pytest.raises(ReviewError, match="violating policy category"):
            decide(tx, case_id, ada, Decision.REMOVE, utcnow(), Category.NEWS)
        decide(tx, case_id, ada, Decision.REMOVE, utcnow(), Category.RECRUITMENT, "fictional test note")
    with db.snapshot() as tx:
        assert queue(tx, ada, QueueFilter(), utcnow()) == []
        assert tx.cases.get(case_id).state == "decided"
        assert tx.session.scalars(select(OutboxRow.action).where(OutboxRow.action != "statement_of_reasons")).all() == [
            "remove"
        ]
        assert "case.decide.remove" in tx.session.scalars(select(AuditRow.action)).all()


def test_escalations_reach_only_the_roles_that_may_decide_them(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.ESCALATE_LEGAL, utcnow())
    with db.transaction() as tx:
        assert queue(tx, users["bo"], QueueFilter(), utcnow()) == []
        assert [e.case.id for e in queue(tx, users["lee"], QueueFilter(), utcnow())] == [case_id]
        with pytest.raises(ReviewError, match="role"):
            claim(tx, case_id, users["bo"], utcnow())
        claim(tx, case_id, users["lee"], utcnow())
        decide(tx, case_id, users["lee"], Decision.RESTRICT, utcnow(), Category.PROPAGANDA, countries=["DE"])


def test_auditors_see_but_cannot_claim(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    with db.transaction() as tx:
        assert queue(tx, users["aud"], QueueFilter(), utcnow())
        with pytest.raises(ReviewError, match="role"):
            claim(tx, case_id, users["aud"], utcnow())


def test_an_appeal_goes_to_another_moderator_and_a_reversal_restores(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case(author="acct-9")
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.REMOVE, utcnow(), Category.RECRUITMENT)
    with db.transaction() as tx:
        file_appeal(tx, "local", "post-1", "acct-9", "It was a quote from a novel.", utcnow())
    with db.transaction() as tx:
        assert case_id not in [e.case.id for e in queue(tx, users["ada"], QueueFilter(), utcnow())]
        assert case_id in [e.case.id for e in queue(tx, users["bo"], QueueFilter(), utcnow())]
        with pytest.raises(ReviewError, match="different moderator"):
            claim(tx, case_id, users["ada"], utcnow())
    with db.transaction() as tx:
        claim(tx, case_id, users["bo"], utcnow())
        decide_appeal(tx, case_id, users["bo"], AppealOutcome.REVERSE, utcnow(), "context shows fiction")
    with db.snapshot() as tx:
        assert tx.cases.get(case_id).state == "redecided"
        assert tx.session.scalars(
            select(OutboxRow.action).where(OutboxRow.action != "statement_of_reasons").order_by(OutboxRow.id)
        ).all() == [
            "remove",
            "restore",
        ]


def test_only_actioned_content_can_be_appealed(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id = flagged_case()
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], utcnow())
        decide(tx, case_id, users["ada"], Decision.NO_VIOLATION, utcnow())
    with db.transaction() as tx, pytest.raises(ReviewError, match="no decided action"):
        file_appeal(tx, "local", "post-1", "acct-1", "", utcnow())


def test_the_queue_filters_by_category_language_source_rule_and_age(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    recruiting = flagged_case("post-1")
    with db.transaction() as tx:
        opened = tx.cases.get(recruiting).opened_at
        lang = tx.items.get("local", "post-1").lang
        rule = tx.items.verdict_body("local", "post-1")["rules"][0]["name"]

    def ids(**filters: object) -> list[int]:
        with db.snapshot() as tx:
            later = opened + timedelta(hours=3)
            return [e.case.id for e in queue(tx, users["ada"], QueueFilter(**filters), later)]  # type: ignore[arg-type]

    assert ids() == [recruiting]
    assert ids(category="recruitment") == [recruiting] and ids(category="threat") == []
    assert ids(lang=lang) == [recruiting] and ids(lang="xx") == []
    assert ids(source="detection") == [recruiting] and ids(source="report") == []
    assert ids(rule=rule) == [recruiting] and ids(rule="no-such-rule") == []
    assert ids(older_than_hours=2) == [recruiting] and ids(older_than_hours=4) == []


def test_a_filter_finds_cases_deep_in_a_long_backlog(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    cases = [flagged_case(f"post-{n}") for n in range(14)]
    with db.transaction() as tx:
        for case_id in cases[:-1]:  # all but the last, oldest-first at equal priority, become threats
            tx.cases.get(case_id).categories = ["threat"]
    with db.snapshot() as tx:
        found = queue(tx, users["ada"], QueueFilter(category="recruitment"), utcnow(), limit=2)
    assert [e.case.id for e in found] == [cases[-1]]  # past the first pages of 2 * 5 rows


def test_a_forgotten_claim_expires_after_half_an_hour(
    db: Database, users: dict[str, UserRow], flagged_case: Callable[..., int]
) -> None:
    case_id, start = flagged_case(), utcnow()
    with db.transaction() as tx:
        claim(tx, case_id, users["ada"], start)
    with db.transaction() as tx, pytest.raises(ReviewError, match="already claimed by ada"):
        claim(tx, case_id, users["bo"], start + timedelta(minutes=10))
    with db.transaction() as tx:
        assert claim(tx, case_id, users["bo"], start + timedelta(minutes=31)).assignee == "bo"
