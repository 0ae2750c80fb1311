"""Hash banks belong to platforms, on both databases: a platform's bank matches and changes only for it,
an installation bank matches for all and is read-only to keys, a shared bank matches for its subscriber only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from bastion.api.scopes import Scope
from bastion.banks.entries import add_entries, create_bank, share_bank, unshare_bank
from bastion.banks.media import entries_from_media, hash_file
from bastion.cli import app
from bastion.core import Bank
from bastion.store.db import Database
from bastion.store.models.core import AuditRow, CaseRow
from tests.banks.conftest import b64, encode, poster

OTHER = "other-platform"


@pytest.fixture
def other(db: Database) -> dict[str, str]:
    """Headers of a second platform's key, with every scope."""
    with db.transaction() as tx:
        return {"Authorization": f"Bearer {tx.keys.create(OTHER, Scope).secret}"}


def _bank(client: TestClient, name: str, seed: int, headers: dict[str, str] | None = None, benign: bool = False) -> int:
    """A bank made over the API by the headers' platform, holding poster `seed`; returns its first entry's id."""
    assert client.post("/v1/banks", json={"name": name, "benign": benign}, headers=headers).status_code == 201
    media = [{"name": "poster.png", "base64": b64(encode(poster(seed)))}]
    response = client.post(f"/v1/banks/{name}/entries", json={"media": media}, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["entry_ids"][0])


def _installation_bank(db: Database, name: str, seed: int) -> int:
    """A bank made by an operator (no owner), holding poster `seed`; returns its first entry's id."""
    data = encode(poster(seed))
    with db.transaction() as tx:
        create_bank(tx, Bank(name=name), "cli")
        entries = entries_from_media("poster.png", hash_file("poster.png", data, 10_000_000, 60), [], None)
        added, _ = add_entries(tx, name, entries, "cli")
    return added[0]


def _action(client: TestClient, item_id: str, seed: int, headers: dict[str, str] | None = None) -> str:
    body = {"id": item_id, "kind": "image", "media": {"base64": b64(encode(poster(seed)))}}
    response = client.post("/v1/check", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["action"])


def _changes(name: str, entry_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every change a key could try on a bank and one of its entries."""
    return [
        ("POST", f"/v1/banks/{name}/disable", None),
        ("POST", f"/v1/banks/{name}/enable", None),
        ("POST", f"/v1/banks/{name}/entries", {"hashes": [{"kind": "md5", "value": "0" * 32}]}),
        ("POST", f"/v1/banks/entries/{entry_id}/feedback", {"opinion": "dispute"}),
        ("DELETE", f"/v1/banks/entries/{entry_id}", None),
    ]


def test_another_platforms_allow_bank_does_not_veto_this_platforms_match(
    client: TestClient, other: dict[str, str]
) -> None:
    _bank(client, "a-bank", seed=1)
    _bank(client, "b-allow", seed=1, headers=other, benign=True)

    assert _action(client, "a-copy", 1) == "remove"
    assert _action(client, "b-copy", 1, other) == "allow"  # B's allow bank vetoes for B only


def test_another_platforms_private_bank_is_not_found_for_anything(client: TestClient, other: dict[str, str]) -> None:
    entry = _bank(client, "a-private", seed=2)
    before = client.get("/v1/banks/a-private/entries").json()

    assert client.get("/v1/banks", headers=other).json() == []
    assert client.get("/v1/banks/a-private/entries", headers=other).status_code == 404
    for method, path, body in _changes("a-private", entry):
        response = client.request(method, path, json=body, headers=other)
        assert response.status_code == 404, (method, path, response.text)

    assert client.get("/v1/banks").json() == [
        {
            "name": "a-private",
            "owner": "test-platform",
            "read_only": False,
            "enabled": True,
            "benign": False,
            "category": "propaganda",
            "description": "",
            "pdq_threshold": None,
            "entries": 3,
        }
    ]
    assert client.get("/v1/banks/a-private/entries").json() == before
    assert _action(client, "a-still", 2) == "remove"
    assert _action(client, "b-never", 2, other) == "allow"


def test_an_installation_bank_matches_for_every_platform_and_is_read_only_to_keys(
    client: TestClient, other: dict[str, str], db: Database
) -> None:
    entry = _installation_bank(db, "installed", seed=3)

    assert _action(client, "a-3", 3) == "remove"
    assert _action(client, "b-3", 3, other) == "remove"
    for headers in (None, other):
        listed = client.get("/v1/banks", headers=headers).json()
        assert [(b["name"], b["owner"], b["read_only"]) for b in listed] == [("installed", None, True)]
        assert client.get("/v1/banks/installed/entries", headers=headers).status_code == 200
        for method, path, body in _changes("installed", entry):
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"] == "read_only_bank"
    assert _action(client, "a-3-again", 3) == "remove"


def test_a_shared_bank_matches_for_its_subscriber_only_and_is_read_only_to_it(
    client: TestClient, other: dict[str, str], db: Database
) -> None:
    entry = _bank(client, "a-shared", seed=4)
    with db.transaction() as tx:
        third = {"Authorization": f"Bearer {tx.keys.create('third-platform', Scope).secret}"}
        share_bank(tx, "a-shared", OTHER, "cli")

    assert _action(client, "b-4", 4, other) == "remove"
    assert _action(client, "c-4", 4, third) == "allow"
    listed = client.get("/v1/banks", headers=other).json()
    assert [(b["name"], b["owner"], b["read_only"]) for b in listed] == [("a-shared", "test-platform", True)]
    assert client.get("/v1/banks", headers=third).json() == []
    for method, path, body in _changes("a-shared", entry):
        assert client.request(method, path, json=body, headers=other).status_code == 403, (method, path)
    assert client.post("/v1/banks/a-shared/disable").status_code == 200  # its owner still may

    assert client.post("/v1/banks/a-shared/enable").status_code == 200
    with db.transaction() as tx:
        unshare_bank(tx, "a-shared", OTHER, "cli")
    assert _action(client, "b-4-after", 4, other) == "allow"
    assert client.get("/v1/banks/a-shared/entries", headers=other).status_code == 404


def test_retroactive_matching_of_a_platforms_entry_opens_cases_on_its_items_only(
    client: TestClient, other: dict[str, str], db: Database
) -> None:
    assert _action(client, "a-seen", 5) == "allow"
    assert _action(client, "b-seen", 5, other) == "allow"

    _bank(client, "b-late", seed=5, headers=other)  # the response's background task matches past items

    with db.reader() as session:
        cased = set(session.scalars(select(CaseRow.item_id).where(CaseRow.item_id.in_(["a-seen", "b-seen"]))))
    assert cased == {"b-seen"}


def test_operators_share_and_unshare_from_the_cli_and_list_shows_owners(
    client: TestClient, cli_env: object, db: Database
) -> None:
    _bank(client, "a-cli", seed=6)
    runner = CliRunner()

    shared = runner.invoke(app, ["banks", "share", "a-cli", "--with", OTHER])
    assert shared.exit_code == 0, shared.output
    listed = runner.invoke(app, ["banks", "list"])
    row = next(line for line in listed.output.splitlines() if "a-cli" in line)
    assert "test-platform" in row and OTHER in row
    again = runner.invoke(app, ["banks", "share", "a-cli", "--with", OTHER])
    assert again.exit_code != 0 and "already applies" in again.output
    assert runner.invoke(app, ["banks", "unshare", "a-cli", "--with", OTHER]).exit_code == 0
    assert runner.invoke(app, ["banks", "unshare", "a-cli", "--with", OTHER]).exit_code != 0
    assert runner.invoke(app, ["banks", "create", "cli-made"]).exit_code == 0
    assert [b["owner"] for b in client.get("/v1/banks").json() if b["name"] == "cli-made"] == [None]

    with db.reader() as session:
        audited = list(session.scalars(select(AuditRow.action).where(AuditRow.subject == "bank:test-platform/a-cli")))
    assert audited.count("bank.share") == 1 and audited.count("bank.unshare") == 1
