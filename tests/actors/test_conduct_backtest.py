"""`bastion conduct backtest`: a conduct policy replayed over stored strikes, like item rules over history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli import app
from bastion.core import utcnow
from bastion.service import Service
from bastion.settings import Settings
from bastion.store.models.review import UserRow
from tests.actors.conftest import removed_post
from tests.cli_env import cli_env


def test_a_stricter_policy_backtests_to_more_queued_actors(
    service: Service,
    users: dict[str, UserRow],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = utcnow()
    for n in range(2):
        removed_post(service, users["ada"], f"p-{n}", "acct-1", now)
    removed_post(service, users["ada"], "p-9", "acct-2", now)
    strict = tmp_path / "strict.yaml"
    strict.write_text("thresholds:\n  - name: two-strikes\n    when: 'strikes.total >= 2'\n")
    with cli_env(monkeypatch, settings.data_dir, settings.database_url):
        runner = CliRunner()
        default = runner.invoke(app, ["conduct", "backtest", "--since", "2000-01-01"])
        stricter = runner.invoke(app, ["conduct", "backtest", "--since", "2000-01-01", "--policy", str(strict)])
        broken = runner.invoke(app, ["conduct", "backtest", "--since", "2000-01-01", "--policy", str(tmp_path / "no")])
    assert default.exit_code == 0, default.output
    assert json.loads(default.output)["would_queue"] == 0 and json.loads(default.output)["actors"] == 2
    report = json.loads(stricter.output)
    assert (report["would_queue"], report["new"], report["by_threshold"]) == (1, 1, {"two-strikes": 1})
    assert report["sample"][0]["evidence"] == ["2 upheld glorification removals in 30 days"]
    assert broken.exit_code == 2 and "cannot read the conduct policy" in broken.output
