"""`bastion notifiers`: an admin records trusted flaggers (DSA Art 22) and their status on the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli import _context as cli_context
from bastion.cli import app
from bastion.legal.notifiers import notifier_by_code
from tests.cli_env import cli_env


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with cli_env(monkeypatch, tmp_path / "data"):
        yield tmp_path / "data"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["notifiers", *args])
    return result.exit_code, result.output


def test_a_trusted_flagger_gets_a_code_that_names_it_and_its_status_can_be_revoked(data_dir: Path) -> None:
    code, out = _run("add", "Fictional Referral Unit", "--email", "IRU@example.org", "--trusted", "--awarded-by", "DE")
    assert code == 0, out
    secret = out.splitlines()[0]

    with cli_context.database().snapshot() as tx:
        flagger = notifier_by_code(tx, secret)
        assert flagger is not None and (flagger.email, flagger.trusted) == ("iru@example.org", True)
    assert _run("untrust", "iru@example.org")[0] == 0
    with cli_context.database().snapshot() as tx:
        flagger = notifier_by_code(tx, secret)
        assert flagger is not None and flagger.trusted is False
        assert tx.audit.has("notifier.untrust", f"notifier:{flagger.id}")
    assert "Fictional Referral Unit" in _run("list")[1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["add", "Unit", "--email", "not-an-address"], "not an e-mail address"),
        (["add", "Unit", "--email", "u@example.org", "--trusted"], "Digital Services Coordinator"),
        (["trust", "nobody@example.org", "--awarded-by", "DE"], "no notifier"),
    ],
)
def test_mistakes_get_one_line_errors(data_dir: Path, args: list[str], says: str) -> None:
    code, out = _run(*args)
    assert code == 2
    assert says in out and "Traceback" not in out
