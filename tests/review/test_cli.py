"""`bastion users ...` and `bastion actions deliver` through the CLI runner, on a fresh SQLite data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli import app
from bastion.cli._context import database
from tests.cli_env import cli_env


@pytest.fixture
def bastion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    with cli_env(monkeypatch, tmp_path / "data"):
        yield CliRunner()


def test_users_are_created_listed_and_disabled(bastion: CliRunner) -> None:
    created = bastion.invoke(
        app, ["users", "create", "dana", "--role", "senior_moderator", "--password", "long-enough-1"]
    )
    assert created.exit_code == 0, created.output
    listed = bastion.invoke(app, ["users", "list"])
    assert "dana" in listed.output and "senior_moderator" in listed.output
    assert bastion.invoke(app, ["users", "disable", "dana"]).exit_code == 0
    assert "no" in bastion.invoke(app, ["users", "list"]).output


def test_bad_user_input_is_a_clear_error(bastion: CliRunner) -> None:
    short = bastion.invoke(app, ["users", "create", "eli", "--password", "short"])
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    unknown = bastion.invoke(app, ["users", "disable", "nobody"])
    assert unknown.exit_code == 2 and "no user" in unknown.output
    role = bastion.invoke(app, ["users", "create", "eli", "--role", "king", "--password", "long-enough-1"])
    assert role.exit_code == 2 and "king" in role.output


def test_the_last_active_admin_cannot_be_disabled(bastion: CliRunner) -> None:
    created = bastion.invoke(app, ["users", "create", "root", "--role", "admin", "--password", "long-enough-1"])
    assert created.exit_code == 0, created.output
    refused = bastion.invoke(app, ["users", "disable", "root"])
    assert refused.exit_code == 2 and "last active admin" in refused.output
    assert "yes" in bastion.invoke(app, ["users", "list"]).output


def test_a_role_is_changed_from_the_cli_audited_and_the_last_admin_keeps_theirs(bastion: CliRunner) -> None:
    for name, role in (("root", "admin"), ("fay", "moderator")):
        assert (
            bastion.invoke(app, ["users", "create", name, "--role", role, "--password", "long-enough-1"]).exit_code == 0
        )
    changed = bastion.invoke(app, ["users", "set-role", "fay", "legal"])
    assert changed.exit_code == 0, changed.output
    with database().snapshot() as tx:
        fay = tx.users.named("fay")
        assert fay is not None and fay.role == "legal"
        changes = [(r.subject, r.payload) for r in tx.audit.newest() if r.action == "user.role"]
        assert changes == [("user:fay", {"from": "moderator", "to": "legal"})]
    refused = bastion.invoke(app, ["users", "set-role", "root", "moderator"])
    assert refused.exit_code == 2 and "last active admin" in refused.output


def test_actions_are_not_delivered_without_a_secret(bastion: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ACTION_WEBHOOK_URL", "http://platform.example/hook")
    refused = bastion.invoke(app, ["actions", "deliver"])
    assert refused.exit_code == 2 and "BASTION_ACTION_WEBHOOK_SECRET" in refused.output
