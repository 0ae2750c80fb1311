"""Respawns on SQLite and PostgreSQL: a removed account's fingerprints are banked; an account coming back renamed,
re-avatared and with a rewritten bio, or a new account posting its links, is queued as a possible respawn linked
to the original case with the fingerprints as evidence; a look-alike with a common name and a shared greeting in
its bio is not."""

from __future__ import annotations

from sqlalchemy import event

from bastion.actors.policy import ConductPolicy, Threshold
from bastion.core import Category, Item, Kind, utcnow
from bastion.review.cases import Decision, claim, decide
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.review import UserRow
from tests.actors.conftest import removed_post

POLICY = ConductPolicy(thresholds=[Threshold(name="three", when="strikes.total >= 3")])
AVATAR = "f" * 64
EDITED = "f" * 58 + "000000"  # an edited copy: PDQ distance 24
GREETING = "Peace be upon you all."


def _profile(service: Service, item_id: str, author: str, name: str, bio: str, avatar: str | None = None) -> None:
    metadata = {"name": name, "bio": bio} | ({"avatar_pdq": avatar} if avatar else {})
    service.check([Item(id=item_id, kind=Kind.PROFILE, text=bio, author=author, metadata=metadata)])


def _remove_account(service: Service, users: dict[str, UserRow]) -> int:
    """A fictional supporter's account with a profile and a link, removed as a whole; its conduct case id."""
    _profile(service, "prof-0", "herald", "Crimson Herald", f"{GREETING} Daily news of the fictional brigade.", AVATAR)
    service.check([Item(id="link-0", text="watch https://mirror.fictional.example/v/77", author="herald")])
    now = utcnow()
    for n in range(3):
        removed_post(service, users["ada"], f"p-{n}", "herald", now, conduct=POLICY)
    with service.db.transaction() as tx:
        actor = tx.actors.find("local", "account", "herald")
        ((_, case),) = tx.conduct.cases_about(actor.id)
        claim(tx, case.id, users["bo"], now)
        decide(tx, case.id, users["bo"], Decision.REMOVE, now, Category.GLORIFICATION, conduct=POLICY)
        return case.id


def test_a_returning_account_is_queued_as_a_respawn_linked_to_the_original_case(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    original = _remove_account(service, users)
    _profile(
        service, "prof-9", "herald-2", "Crіmson_Herald_2", f"{GREETING} Daily news of the fictional brigade!!", EDITED
    )
    with db.snapshot() as tx:
        back = tx.actors.find("local", "account", "herald-2")
        ((about, case),) = tx.conduct.cases_about(back.id)
    assert (about.reason, about.linked_case_id, case.source) == ("respawn", original, "respawn")
    assert set(about.evidence["fingerprints"]) == {"name", "bio", "avatar"}
    assert any("PDQ distance 24" in line for line in about.evidence["counted"])


def test_a_new_account_posting_the_removed_accounts_link_with_its_name_pattern_is_queued(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    original = _remove_account(service, users)
    _profile(service, "prof-5", "fresh-1", "crimson.herald", "New here")
    service.check([Item(id="p-50", text="see https://mirror.fictional.example/v/77", author="fresh-1")])
    with db.snapshot() as tx:
        ((about, _),) = tx.conduct.cases_about(tx.actors.find("local", "account", "fresh-1").id)
    assert about.linked_case_id == original and set(about.evidence["fingerprints"]) == {"name", "links"}


def test_a_common_name_and_a_shared_greeting_alone_never_match(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    _remove_account(service, users)
    _profile(service, "prof-7", "neighbour", "Crimson Herald", f"{GREETING} Daily news of the fictional brigade.")
    _profile(service, "prof-8", "neighbour-2", "Quiet Baker", f"{GREETING} I bake bread.", "0" * 64)
    with db.snapshot() as tx:
        for name in ("neighbour", "neighbour-2"):
            assert tx.conduct.cases_about(tx.actors.find("local", "account", name).id) == []


def test_items_with_no_profile_or_young_poster_never_read_the_respawn_bank(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    _remove_account(service, users)
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        service.check([Item(id="plain-1", text="Lovely evening at the lake"), Item(id="plain-2", text="Bread at 8")])
    finally:
        event.remove(db.engine, "before_cursor_execute", note)

    assert any("INSERT INTO items" in s for s in statements)  # the listener saw the batch
    assert not any("respawn_bank" in s for s in statements)
