"""`bastion sor ...`: statements of reasons (DSA Art 17) and their submission to the Transparency Database
(Art 24(5)): `submit` sends what is pending, `status` counts statements by submission state, `export` writes the
public records as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bastion.cli._context import database, err, fail, settings
from bastion.legal.sor_submit import SubmitError, Submitter, submission_exempt
from bastion.legal.tdb_client import TransparencyDatabase

sor_app = typer.Typer(help="Statements of reasons and the DSA Transparency Database.", no_args_is_help=True)


@sor_app.command("submit")
def submit(
    limit: Annotated[int | None, typer.Option(help="send at most this many statements", min=1)] = None,
) -> None:
    """Send pending statements in batches (BASTION_SOR_BATCH_SIZE, at most 100), waiting out 429s and asking by
    puid after a timeout, so that none is sent twice or lost; run it from cron."""
    s = settings()
    if submission_exempt(s):
        raise fail(f"a {s.enterprise_size} enterprise submits nothing to the Transparency Database (DSA Art 19)", 1)
    if not s.sor_api_token:
        raise fail("set BASTION_SOR_API_TOKEN to the platform's Transparency Database token")
    api = TransparencyDatabase(s.sor_api_url, s.sor_api_token, s.sor_timeout_seconds)
    submitter = Submitter(database(), api, s)
    try:
        _print(submitter.run(limit))
    except SubmitError as error:
        if submitter.report is not None:
            _print(submitter.report)  # what was done before the run stopped
        raise fail(str(error), 1) from None
    finally:
        api.close()


def _print(report: object) -> None:
    fields = vars(report)
    typer.echo("; ".join(f"{name.replace('_', ' ')}: {value}" for name, value in fields.items()))


@sor_app.command("status")
def status() -> None:
    """How many statements are pending, sending, submitted, rejected or exempt (an Art 9 order's, Art 17(5))."""
    with database().snapshot() as tx:
        counts = tx.statements.counts()
    for state in ("pending", "sending", "submitted", "rejected", "exempt"):
        typer.echo(f"{state}\t{counts.get(state, 0)}")


@sor_app.command("export")
def export(out: Annotated[Path, typer.Option(help="the JSON-lines file to write")]) -> None:
    """Write every statement's Transparency Database record (no personal data), one JSON object a line."""
    with database().snapshot() as tx:
        records = tx.statements.records()
    with out.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
    err.print(f"{len(records)} statements written to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(sor_app, name="sor")
