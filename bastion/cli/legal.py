"""`bastion authorities ...` and `bastion legal ...`: the accounts competent authorities send removal orders
with (TCO Art 3(5)), the order clock's periodic step, the preservation purge (Art 6), and the regimes loaded."""

from __future__ import annotations

from typing import Annotated

import typer

from bastion.cli._context import database, err, fail, settings
from bastion.core import utcnow
from bastion.legal.deadlines import tick
from bastion.legal.preservation import purge_due
from bastion.legal.regimes import RegimeError, regime_files

authorities_app = typer.Typer(help="Competent authorities' accounts for removal orders.", no_args_is_help=True)
legal_app = typer.Typer(help="Removal-order clocks, preservation and legal regimes.", no_args_is_help=True)


@authorities_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="the authority's name, e.g. 'Fictional Referral Unit'")],
    member_state: Annotated[str, typer.Option(help="its Member State (ISO code, e.g. DE)")],
) -> None:
    """Create an authority's account; its credential is printed once and stored only as a hash."""
    state = member_state.strip().upper()
    if len(state) != 2 or not state.isalpha():
        raise fail("a Member State is a two-letter code, e.g. DE")
    if not 0 < len(name.strip()) <= 200 or not name.isprintable():
        raise fail("an authority's name is 1 to 200 printable characters")
    try:
        with database().transaction() as tx:
            issued = tx.authorities.create(name.strip(), state)
    except ValueError as error:
        raise fail(str(error)) from None
    typer.echo(issued.secret)
    err.print(
        f"authority {issued.name!r} ({state}) created; it sends orders to POST /v1/orders with this credential; "
        "store it now, it is not shown again",
        highlight=False,
    )


@authorities_app.command("list")
def list_() -> None:
    """Every authority: name, Member State, credential prefix, created, revoked (never the secret)."""
    with database().snapshot() as tx:
        for a in tx.authorities.all():
            revoked = " revoked" if a.revoked else ""
            typer.echo(f"{a.name}\t{a.member_state}\t{a.prefix}\t{a.created_at:%Y-%m-%d %H:%M}{revoked}")


@authorities_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="the authority's name")]) -> None:
    """Revoke an authority's credential: its orders stay, it can send no more."""
    with database().transaction() as tx:
        if not tx.authorities.revoke(name):
            raise fail(f"no live authority named {name!r}")
    err.print(f"authority {name!r} revoked", highlight=False)


@legal_app.command("tick")
def tick_command() -> None:
    """Note acknowledgements (they stop order clocks), raise due alerts, release statements of reasons whose
    non-disclosure decision lapsed (TCO Art 11(3)); `serve` does this itself."""
    with database().transaction() as tx:
        report = tick(tx, utcnow(), settings())
    typer.echo(
        f"items disabled: {report.disabled}; orders done: {report.closed}; alerts raised: {report.alerts}; "
        f"statements released: {report.released}"
    )


@legal_app.command("purge")
def purge() -> None:
    """Purge preserved material whose period has ended (TCO Art 6(2)), audited; `serve` does this itself."""
    report = purge_due(database(), settings().data_dir, utcnow())
    typer.echo(f"holds purged: {report.purged}; media files removed: {report.files_removed}")


@legal_app.command("regimes")
def regimes() -> None:
    """The regimes loaded from the regime files, with their order clocks and the duties this platform owes."""
    s = settings()
    try:
        loaded = regime_files(s.regimes_dir)
    except RegimeError as error:
        raise fail(str(error)) from None
    for name, data in loaded.items():
        clock = f"orders within {data.orders.deadline}" if data.orders else "no order clock"
        owed = [rule.name for rule in data.duties if s.enterprise_size not in rule.exempt_for]
        typer.echo(f"{name}\t{data.title}\t{clock}\tduties ({s.enterprise_size}): {', '.join(owed) or 'none'}")


def register(app: typer.Typer) -> None:
    app.add_typer(authorities_app, name="authorities")
    app.add_typer(legal_app, name="legal")
