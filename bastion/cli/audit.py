"""`bastion audit verify|anchor`: check the hash chain, and pin its head outside the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bastion.cli._context import database, err, fail, settings
from bastion.store.anchors import AnchorError, AnchorReport, check_anchors, read_anchors
from bastion.store.audit import AuditRepository
from bastion.workers.anchor import anchors_path, write_anchor

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None, typer.Option(help="an anchors file to check against (default: the data dir's, if any)")
    ] = None,
) -> None:
    """Check the whole hash chain and every anchor; name the first broken or missing record."""
    with database().snapshot() as tx:
        report = tx.audit.verify()
        if not report.ok:
            typer.echo(f"audit log BROKEN at record {report.first_broken}: {report.reason}")
            raise typer.Exit(1)
        anchored = _check_anchors(tx.audit, anchor)
    if anchored is not None and not anchored.ok:
        typer.echo(f"audit log TRUNCATED OR REWRITTEN: {anchored.problem}")
        raise typer.Exit(1)
    held = f"; {anchored.anchors} anchors hold (newest: record {anchored.newest})" if anchored else ""
    typer.echo(f"audit log intact: {report.records} records{held}")


def _check_anchors(audit: AuditRepository, path: Path | None) -> AnchorReport | None:
    """The anchors' report, or None when there are no anchors to check (none stored, none given)."""
    path = path or anchors_path(settings())
    if not path.exists():
        if path != anchors_path(settings()):
            raise fail(f"no such anchors file: {path}")
        return None
    key = settings().audit_key
    if not key:
        raise fail(f"{path} holds anchors but BASTION_AUDIT_KEY is not set, so they cannot be checked")
    try:
        anchors = read_anchors(path)
    except AnchorError as error:
        raise fail(str(error)) from None
    return check_anchors(audit, anchors, key) if anchors else None


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[Path | None, typer.Option(help="also append the anchor to this file, to ship elsewhere")] = None,
) -> None:
    """Sign the chain's current head with BASTION_AUDIT_KEY, store it in the data dir and print it."""
    key = settings().audit_key
    if not key:
        raise fail("BASTION_AUDIT_KEY is not set: an anchor must be signed")
    anchor = write_anchor(database(), settings(), key, (out,) if out else ())
    if anchor is None:
        raise fail("the audit log is empty: nothing to anchor")
    err.print(f"anchored record {anchor.seq} in {anchors_path(settings())}", highlight=False)
    typer.echo(anchor.line())
