"""`bastion notifiers ...`: registered notifiers and their trusted-flagger status (DSA Art 22), kept by an admin."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bastion.cli._context import database, err, fail
from bastion.core import utcnow
from bastion.legal.notifiers import NotifierError, register_notifier, set_trusted

notifiers_app = typer.Typer(help="Notifiers and trusted flaggers (DSA Art 22).", no_args_is_help=True)
Email = Annotated[str, typer.Argument(help="the notifier's e-mail address")]
AwardedBy = Annotated[
    str | None, typer.Option(help="Member State whose Digital Services Coordinator awarded the status, e.g. DE")
]


@notifiers_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="the notifier's name (an entity, for a trusted flagger)")],
    email: Annotated[str, typer.Option(help="the notifier's e-mail address")],
    trusted: Annotated[bool, typer.Option(help="a trusted flagger: its notices come first")] = False,
    awarded_by: AwardedBy = None,
    expertise: Annotated[str, typer.Option(help="its designated area of expertise")] = "",
) -> None:
    """Register a notifier and print its code (shown once): put on a notice, the code says who sent it."""
    try:
        with database().transaction() as tx:
            made = register_notifier(tx, name, email, "cli", utcnow(), trusted, awarded_by, expertise)
    except NotifierError as error:
        raise fail(str(error)) from None
    typer.echo(made.code)
    kind = "trusted flagger" if trusted else "notifier"
    err.print(f"{kind} {name!r} registered; give it this code now, it is not shown again", highlight=False)


@notifiers_app.command("trust")
def trust(email: Email, awarded_by: AwardedBy = None) -> None:
    """Record that a coordinator awarded a registered notifier trusted-flagger status."""
    _set(email, True, awarded_by)


@notifiers_app.command("untrust")
def untrust(email: Email) -> None:
    """Record that its trusted-flagger status was suspended or revoked (notices already in keep theirs)."""
    _set(email, False, None)


@notifiers_app.command("list")
def list_() -> None:
    """Every registered notifier, with its status (never its code)."""
    table = Table("name", "e-mail", "trusted flagger", "awarded by", "expertise")
    with database().snapshot() as tx:
        for row in tx.notices.notifiers():
            table.add_row(row.name, row.email, "yes" if row.trusted else "no", row.awarded_by or "", row.expertise)
    Console(width=200).print(table)


def _set(email: str, trusted: bool, awarded_by: str | None) -> None:
    try:
        with database().transaction() as tx:
            row = set_trusted(tx, email, trusted, "cli", awarded_by)
    except NotifierError as error:
        raise fail(str(error)) from None
    err.print(f"{row.name}: trusted flagger {'yes' if trusted else 'no'}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(notifiers_app, name="notifiers")
