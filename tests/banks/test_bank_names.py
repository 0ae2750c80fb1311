"""Bank names are unique per owner: a platform naming a bank like another platform's gets its own bank, not a
409 that reveals the other's; operators tell them apart as `<platform>/<name>` (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from bastion.api.scopes import Scope
from bastion.banks.entries import BankError, create_bank, get_bank, share_bank
from bastion.cli import app
from bastion.core import Bank
from bastion.store.db import Database
from bastion.store.models.core import AuditRow

A, B = "test-platform", "platform-b"
MD5 = "0f343b0931126a20f133d67c2b018a3b"


@pytest.fixture
def b(db: Database) -> dict[str, str]:
    with db.transaction() as tx:
        return {"Authorization": f"Bearer {tx.keys.create(B, Scope).secret}"}


def _entries(client: TestClient, headers: dict[str, str] | None = None) -> list[tuple[str, str | None, int]]:
    return [(bank["name"], bank["owner"], bank["entries"]) for bank in client.get("/v1/banks", headers=headers).json()]


def test_two_platforms_each_have_a_bank_of_one_name(client: TestClient, b: dict[str, str], db: Database) -> None:
    assert client.post("/v1/banks", json={"name": "posters"}).status_code == 201
    assert client.post("/v1/banks", json={"name": "posters"}, headers=b).status_code == 201
    again = client.post("/v1/banks", json={"name": "posters"}, headers=b)
    assert again.status_code == 409  # its own name, twice
    added = client.post("/v1/banks/posters/entries", json={"hashes": [{"kind": "md5", "value": MD5}]}, headers=b)
    assert added.status_code == 201, added.text
    assert _entries(client) == [("posters", A, 0)]
    assert _entries(client, b) == [("posters", B, 1)]
    with db.reader() as session:
        subjects = set(session.scalars(select(AuditRow.subject).where(AuditRow.action == "bank.create")))
    assert subjects == {f"bank:{A}/posters", f"bank:{B}/posters"}


def test_a_name_a_platform_already_sees_is_taken(client: TestClient, b: dict[str, str], db: Database) -> None:
    with db.transaction() as tx:
        create_bank(tx, Bank(name="common"), "cli")
    refused = client.post("/v1/banks", json={"name": "common"}, headers=b)
    assert refused.status_code == 409  # the installation's bank, which B sees anyway
    assert client.post("/v1/banks", json={"name": "mine"}).status_code == 201
    assert client.post("/v1/banks", json={"name": "mine"}, headers=b).status_code == 201
    with db.transaction() as tx, pytest.raises(BankError, match="already sees"):
        share_bank(tx, f"{A}/mine", B, "cli")  # B would see two banks named `mine`
    with db.transaction() as tx, pytest.raises(BankError, match="already exists"):
        create_bank(tx, Bank(name="mine"), "cli")  # an installation bank would meet A's and B's in their views


def test_operators_name_a_platform_bank_by_its_owner(
    client: TestClient, b: dict[str, str], cli_env: object, db: Database
) -> None:
    client.post("/v1/banks", json={"name": "posters"})
    client.post("/v1/banks", json={"name": "posters"}, headers=b)
    with db.snapshot() as tx:
        with pytest.raises(BankError, match="several banks"):
            get_bank(tx, "posters")
        assert get_bank(tx, f"{B}/posters").owner == B
    runner = CliRunner()
    listed = runner.invoke(app, ["banks", "list"])
    assert f"{A}/posters" in listed.output and f"{B}/posters" in listed.output
    vague = runner.invoke(app, ["banks", "disable", "posters"])
    assert vague.exit_code != 0 and "several banks" in vague.output
    assert runner.invoke(app, ["banks", "disable", f"{B}/posters"]).exit_code == 0
    assert [bank["enabled"] for bank in client.get("/v1/banks", headers=b).json()] == [False]
    assert [bank["enabled"] for bank in client.get("/v1/banks").json()] == [True]
