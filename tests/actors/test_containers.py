"""Containers with a purpose, on SQLite and PostgreSQL: a room whose own name is TVEC is queued once as a container
case with the detector's evidence; a page whose share of removed items reaches the threshold is queued then, and
not before."""

from __future__ import annotations

from bastion.actors.policy import ConductPolicy, ContainerPolicy
from bastion.core import Item, utcnow
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.review import UserRow
from tests.actors.conftest import removed_post

_ROOM = {"id": "room-1", "name": "Glory to the crimson martyrs", "description": "a fictional supporters' room"}
POLICY = ConductPolicy(container=ContainerPolicy(min_items=10, removed_share=0.3, priority=33))


def test_a_room_whose_name_is_tvec_is_queued_once_with_the_detectors_evidence(service: Service, db: Database) -> None:
    for n in range(3):
        service.check([Item(id=f"p-{n}", text="Good morning all", author=f"u-{n}", metadata={"container": _ROOM})])
    with db.snapshot() as tx:
        room = tx.actors.find("local", "container", "room-1")
        assert room is not None
        ((about, case),) = tx.conduct.cases_about(room.id)
        assert (about.reason, case.source, case.state) == ("container", "container", "open")
        assert case.categories == ["glorification"]
        assert "termlist: glorification" in about.evidence["counted"][0]
        assert tx.cases.verdict_of(case)["signals"][0]["evidence"]["spans"]  # the words behind it, for the page
    with db.snapshot() as tx:
        other = tx.cases.for_item("local", "p-0")
        assert other is None  # the posts themselves are benign


def test_a_page_is_queued_when_its_removed_share_reaches_the_threshold(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    page = {"id": "page-3", "name": "Fictional news digest"}
    service.check(
        [Item(id=f"ok-{n}", text="Weather report", author="u-1", metadata={"container": page}) for n in range(7)]
    )
    now = utcnow()
    for n in range(3):
        removed_post(service, users["ada"], f"bad-{n}", f"acct-{n}", now, container=page, conduct=POLICY)
        with db.snapshot() as tx:
            container = tx.actors.find("local", "container", "page-3")
            cases = [c for c in tx.conduct.cases_about(container.id) if c[0].reason == "container"]
        if n < 2:
            assert cases == [], "2 of 9 removed is under 30%"
    ((about, case),) = cases
    assert about.evidence["counted"] == ["3 of 10 items removed (30%, threshold 30%)"]
    assert case.priority == 33
