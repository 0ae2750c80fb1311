"""Networks on SQLite and PostgreSQL: accounts whose items with the same link were removed within the window are
linked; one posting it hours apart, or posting it in an item that stands, is not; one case opens for the cluster."""

from __future__ import annotations

from datetime import timedelta

from bastion.actors.networks import open_cluster_case
from bastion.actors.policy import ConductPolicy, NetworkPolicy
from bastion.core import Category, Item, utcnow
from bastion.review.cases import Decision, claim, decide
from bastion.service import Service
from bastion.store.db import Database
from bastion.store.models.review import UserRow

POLICY = ConductPolicy(network=NetworkPolicy(window_minutes=60, min_shared=1))
_LINK = "https://mirror.fictional.example/v/3"


def _post(service: Service, item_id: str, author: str, minutes: int, flagged: bool = True) -> None:
    text = f"Join the Crimson Dawn Brigade {_LINK}" if flagged else f"A report on the fictional brigade {_LINK}"
    when = utcnow().replace(microsecond=0) - timedelta(days=1) + timedelta(minutes=minutes)
    service.check([Item(id=item_id, text=text, author=author, created_at=when)])


def _remove(service: Service, moderator: UserRow, item_id: str) -> None:
    with service.db.transaction() as tx:
        case = tx.cases.for_item("local", item_id)
        claim(tx, case.id, moderator, utcnow())
        decide(tx, case.id, moderator, Decision.REMOVE, utcnow(), Category.PROPAGANDA, conduct=POLICY)


def test_coposters_of_a_removed_link_within_the_window_form_one_cluster_with_one_case(
    service: Service, db: Database, users: dict[str, UserRow]
) -> None:
    for n, minutes in enumerate([0, 5, 12]):
        _post(service, f"c-{n}", f"ring-{n}", minutes)
    _post(service, "late", "loner", 600)  # the same link ten hours later
    _post(service, "news", "reporter", 3, flagged=False)  # in the window, but its item stands
    for item_id in ("c-0", "c-1", "c-2", "late"):
        _remove(service, users["ada"], item_id)
    with db.transaction() as tx:
        ring = tx.actors.find("local", "account", "ring-0")
        members, links = tx.conduct.cluster(ring.id)
        assert sorted(m.external_id for m in members) == ["ring-0", "ring-1", "ring-2"]
        assert all(link.shared == ["url:mirror.fictional.example/v/3"] for link in links)
        assert tx.conduct.cluster(tx.actors.find("local", "account", "loner").id) == ([], [])
        assert tx.conduct.cluster(ring.id, min_shared=2) == ([], [])  # one shared link may be chance
        case = open_cluster_case(tx, ring.id, utcnow(), POLICY, "user:ada")
        again = open_cluster_case(tx, ring.id, utcnow(), POLICY, "user:ada")
        assert case is not None and again is not None and again.id == case.id
        about = tx.conduct.actor_case(case.id)
    assert about.reason == "network" and sorted(about.evidence["members"]) == ["ring-0", "ring-1", "ring-2"]
    assert about.evidence["summary"] == "3 accounts posted the same removed media or links within 60 minutes"
