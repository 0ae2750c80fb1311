"""`bastion authorities` and `bastion legal`: an authority's credential made on the command line sends orders;
the purge and the clock step run from cron as `serve` runs them itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bastion.api.app import create_app
from bastion.cli import app
from bastion.core import Item
from bastion.legal.order_form import OrderForm
from bastion.legal.orders import Sender, receive_order
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.db import Database
from tests.cli_env import cli_env
from tests.legal.orders_support import an_order

LONG_AGO = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # an order whose six months are long over


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's data directory, with its settings and database made afresh for this test."""
    with cli_env(monkeypatch, tmp_path / "data"):
        yield tmp_path / "data"


def test_an_authority_made_on_the_command_line_sends_orders_with_its_credential(data_dir: Path) -> None:
    made = CliRunner().invoke(app, ["authorities", "create", "Fictional Referral Unit", "--member-state", "de"])

    assert made.exit_code == 0, made.output
    credential = made.stdout.strip().splitlines()[0]
    assert credential.startswith("bau_")
    settings = Settings(data_dir=data_dir, legal_tick_interval_seconds=86_400)
    with TestClient(create_app(settings)) as client:
        sent = client.post("/v1/orders", json=an_order(), headers={"Authorization": f"Bearer {credential}"})
    assert sent.status_code == 201, sent.text
    assert (sent.json()["issuing_authority"], sent.json()["issuing_state"]) == ("Fictional Referral Unit", "DE")
    listed = CliRunner().invoke(app, ["authorities", "list"])
    assert "Fictional Referral Unit\tDE" in listed.stdout and credential not in listed.stdout


@pytest.mark.parametrize("state", ["Germany", "1X", ""])
def test_a_member_state_is_a_two_letter_code(data_dir: Path, state: str) -> None:
    result = CliRunner().invoke(app, ["authorities", "create", "Unit", "--member-state", state])

    assert result.exit_code == 2
    assert "two-letter code" in result.output


def test_the_purge_removes_what_is_past_its_period_and_the_tick_reports(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    db = Database.from_settings(settings)
    db.migrate()
    Service.from_settings(settings, db).check([Item(id="p-1", text="A fictional call to arms")], "forum-a")
    form = OrderForm.model_validate(an_order(targets=[{"item_id": "p-1"}], issued_at="2025-01-06T07:30:00Z"))
    with db.transaction() as tx:  # an order long ago named the item: its hold ran out long ago too
        order = receive_order(tx, form, Sender("authority:x", "X", "DE"), LONG_AGO, settings)
        assert order.clock == "running"
    db.dispose()

    ticked = CliRunner().invoke(app, ["legal", "tick"])
    purged = CliRunner().invoke(app, ["legal", "purge"])
    regimes = CliRunner().invoke(app, ["legal", "regimes"])

    assert ticked.exit_code == 0 and "alerts raised: 1" in ticked.stdout  # the long-passed deadline
    assert purged.exit_code == 0 and "holds purged: 1" in purged.stdout
    assert "au-osa" in regimes.stdout and "orders within 1 day" in regimes.stdout
