"""Actors as records: authors and containers of checked items become actors, unique per (platform, kind, id),
updated in the items' own transaction, with their posts and profile snapshots over time."""

from __future__ import annotations

from bastion.core import Item, Kind
from bastion.service import Service
from bastion.store.db import Database

_AVATAR = "a" * 64
_ROOM = {"id": "room-7", "name": "Harbour walkers", "description": "Sunday walks by the fictional harbour"}


def test_an_author_and_a_container_become_actors_once(service: Service, db: Database) -> None:
    service.check(
        [Item(id="p-1", text="Lovely harbour today", author="u-1", surface="group", metadata={"container": _ROOM})]
    )
    service.check(
        [Item(id="p-1", text="Lovely harbour today", author="u-1", surface="group", metadata={"container": _ROOM})]
    )
    service.check([Item(id="p-2", text="Rain again", author="u-1")])
    with db.snapshot() as tx:
        account = tx.actors.find("local", "account", "u-1")
        room = tx.actors.find("local", "container", "room-7")
        assert account is not None and room is not None
        assert account.items == 2  # a re-checked item is not a second post
        assert (room.items, room.name, room.surface) == (1, "Harbour walkers", "group")
        assert [p.item.id for p in tx.actors.posted(account.id)] == ["p-2", "p-1"]
        assert {(a.kind, role) for a, role in tx.actors.of_item("local", "p-1")} == {
            ("account", "author"),
            ("container", "container"),
        }


def test_the_same_author_id_on_another_platform_is_another_actor(service: Service, db: Database) -> None:
    service.check([Item(id="p-1", text="Hello", author="u-1")], platform="forum-a")
    service.check([Item(id="p-1", text="Hello", author="u-1")], platform="forum-b")
    with db.snapshot() as tx:
        a, b = tx.actors.find("forum-a", "account", "u-1"), tx.actors.find("forum-b", "account", "u-1")
        assert a is not None and b is not None and a.id != b.id


def test_profile_items_keep_a_snapshot_only_when_the_profile_changes(service: Service, db: Database) -> None:
    def profile(item_id: str, name: str, bio: str) -> Item:
        return Item(
            id=item_id, kind=Kind.PROFILE, text=bio, author="u-5", metadata={"name": name, "avatar_pdq": _AVATAR}
        )

    service.check([profile("prof-1", "Quiet Gardener", "I grow tomatoes")])
    service.check([profile("prof-2", "Quiet Gardener", "I grow tomatoes")])
    service.check([profile("prof-3", "Quiet Gardener 2", "I grow tomatoes and beans")])
    with db.snapshot() as tx:
        actor = tx.actors.find("local", "account", "u-5")
        assert actor is not None and actor.name == "Quiet Gardener 2" and actor.avatar_pdq == _AVATAR
        snapshots = tx.actors.profiles(actor.id)
    assert [(s.name, s.bio) for s in snapshots] == [
        ("Quiet Gardener", "I grow tomatoes"),
        ("Quiet Gardener 2", "I grow tomatoes and beans"),
    ]


def test_a_malformed_container_is_refused_with_a_clear_error(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/v1/check", json={"id": "p-9", "text": "hi", "container": {"name": "no id"}})
    assert response.status_code == 422
    assert "container must be an object with an 'id'" in response.text
