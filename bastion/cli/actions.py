"""`bastion actions deliver`: send decided actions to the platform's webhook (once, or as a loop)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from bastion.actions.outbox import deliver_due
from bastion.cli._context import database, err, fail, service, settings
from bastion.core import utcnow
from bastion.plugins import load_action_target

actions_app = typer.Typer(help="Decisions carried out on the platform through its webhook.", no_args_is_help=True)


@actions_app.command("deliver")
def deliver(
    loop: Annotated[bool, typer.Option("--loop", help="keep delivering every INTERVAL seconds")] = False,
    interval: Annotated[float, typer.Option(help="seconds between rounds with --loop")] = 5.0,
) -> None:
    """Send due actions through the action target (by default POST, HMAC-signed, to BASTION_ACTION_WEBHOOK_URL);
    failures are retried with backoff."""
    config = settings()
    if config.action_target == "webhook" and not config.action_webhook_url:
        raise fail("set BASTION_ACTION_WEBHOOK_URL (and BASTION_ACTION_WEBHOOK_SECRET) first")
    if config.action_target == "webhook" and not config.action_webhook_secret:
        raise fail("set BASTION_ACTION_WEBHOOK_SECRET to a secret shared with the platform")
    target = load_action_target(service().context)
    if target is None:
        raise fail(f"the action target {config.action_target!r} is not configured")
    while True:
        report = deliver_due(database(), target, utcnow())
        if report.delivered or report.failed or not loop:
            err.print(f"{report.delivered} actions delivered, {report.failed} to retry")
        if not loop:
            return
        time.sleep(interval)


def register(app: typer.Typer) -> None:
    app.add_typer(actions_app, name="actions")
