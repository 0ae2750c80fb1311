"""`bastion rules test|backtest|alerts`: check, replay and watch the policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bastion.cli._context import database, fail, settings
from bastion.core import Item, utcnow
from bastion.rules import Policy, PolicyError
from bastion.rules.alerts import rate_alerts
from bastion.rules.backtest import backtest

rules_app = typer.Typer(help="Policy files: test, backtest, alerts.", no_args_is_help=True)
out = Console()

PolicyDir = Annotated[Path | None, typer.Option("--policy", help="policy directory (default: the configured one)")]


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")


def _load(directory: Path | None) -> Policy:
    try:
        return Policy.load(directory or settings().policy_dir)
    except PolicyError as error:
        raise fail(f"invalid policy: {error}") from None


@rules_app.command("test")
def rules_test(directory: Annotated[Path | None, typer.Argument(help="policy directory")] = None) -> None:
    """Validate the policy files and run every rule's inline examples."""
    policy = _load(directory)
    failures = 0
    table = Table(title=f"policy {policy.version}")
    for column in ("rule", "version", "mode", "action", "examples"):
        table.add_column(column)
    for rule in policy.rules:
        passed = 0
        for number, example in enumerate(rule.spec.examples, start=1):
            item = Item.model_validate(example.item)
            decision = Policy((rule,), policy.version).decide(item, example.signals, item.lang)
            fired = bool(decision.fired or decision.shadow)
            if fired == example.fires and not decision.errors:
                passed += 1
                continue
            failures += 1
            why = "; ".join(decision.errors) or f"expected fires={example.fires}, got {fired}"
            out.print(f"[red]FAIL[/red] {rule.spec.name} example {number}: {why}", highlight=False)
        table.add_row(
            rule.spec.name,
            str(rule.spec.version),
            rule.spec.mode,
            rule.spec.action.value,
            f"{passed}/{len(rule.spec.examples)}",
        )
    out.print(table)
    if failures:
        raise typer.Exit(1)
    out.print(f"{len(policy.rules)} rules valid, every example passed")


@rules_app.command("backtest")
def rules_backtest(
    since: Annotated[datetime, typer.Option(help="replay verdicts decided since (ISO date or datetime)")],
    policy_dir: PolicyDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Replay stored items through a policy (with their stored signals) and show what would change."""
    policy = _load(policy_dir)
    with database().snapshot() as tx:
        report = backtest(tx, policy, since if since.tzinfo else since.replace(tzinfo=UTC))
    if as_json:
        typer.echo(json.dumps(report.as_json()))
        return
    table = Table(title=f"backtest of policy {policy.version} on {report.items} items since {since:%Y-%m-%d %H:%M}")
    for column in ("stored action", "new action", "items"):
        table.add_column(column)
    for (old, new), count in sorted(report.transitions.items()):
        style = "bold yellow" if old != new else ""
        table.add_row(old, new, str(count), style=style)
    out.print(table)
    fires = Table(title="rule fires")
    fires.add_column("rule")
    fires.add_column("live", justify="right")
    fires.add_column("shadow", justify="right")
    for name in sorted(set(report.rule_fires) | set(report.shadow_fires)):
        fires.add_row(name, str(report.rule_fires[name]), str(report.shadow_fires[name]))
    out.print(fires)
    out.print(f"{report.changed_count} of {report.items} items would change", highlight=False)
    for change in report.changed:
        out.print(f"  {change['id']}: {change['from']} -> {change['to']}", highlight=False)


@rules_app.command("alerts")
def rules_alerts() -> None:
    """Rules firing this hour far more often than their usual rate."""
    config = settings()
    with database().snapshot() as tx:
        alerts = rate_alerts(tx, utcnow(), config.rule_alert_factor, config.rule_alert_min_fires)
    for alert in alerts:
        out.print(f"[yellow]ALERT[/yellow] {alert.describe()}", highlight=False)
    if not alerts:
        out.print("no rule is firing unusually often")
