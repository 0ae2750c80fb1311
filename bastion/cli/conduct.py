"""`bastion conduct backtest`: replay stored strikes through a conduct policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from bastion.actors.backtest import backtest_conduct
from bastion.actors.policy import ConductPolicyError, load_conduct_policy
from bastion.cli._context import database, fail, settings

conduct_app = typer.Typer(help="Conduct policy: strikes, thresholds, actor-level cases.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(conduct_app, name="conduct")


@conduct_app.command("backtest")
def conduct_backtest(
    since: Annotated[datetime, typer.Option(help="replay strikes given since (ISO date or datetime)")],
    policy_file: Annotated[Path | None, typer.Option("--policy", help="conduct policy YAML")] = None,
) -> None:
    """Which actors a conduct policy would queue on the strikes stored since SINCE, as one JSON object."""
    try:
        policy = load_conduct_policy((policy_file or settings().conduct_policy_file).expanduser())
    except ConductPolicyError as error:
        raise fail(str(error)) from None
    start = since if since.tzinfo else since.replace(tzinfo=UTC)
    with database().snapshot() as tx:
        report = backtest_conduct(tx, policy, start)
    typer.echo(json.dumps(report.as_json(), indent=2))
