"""`bastion complaints ...`: complaints against restrictions (DSA Art 20, TCO Art 10) lodged on a user's behalf,
and the open ones with the date each must be answered by. A person answers them on the case page."""

from __future__ import annotations

from typing import Annotated

import typer

from bastion.cli._context import database, err, fail, settings
from bastion.core import utcnow
from bastion.legal.complaints import lodge_complaint, lodge_notifier_complaint
from bastion.review.states import ReviewError

complaints_app = typer.Typer(help="Complaints against restrictions (DSA Art 20, TCO Art 10).", no_args_is_help=True)


@complaints_app.command("lodge")
def lodge(
    item: Annotated[str | None, typer.Option(help="the platform's id of the restricted item")] = None,
    complainant: Annotated[str | None, typer.Option(help="the uploader's pseudonymous id")] = None,
    notice: Annotated[str | None, typer.Option(help="a notifier's receipt: it contests a decision not to act")] = None,
    platform: Annotated[str, typer.Option(help="whose item it is")] = "local",
    text: Annotated[str, typer.Option(help="why the decision is wrong")] = "",
) -> None:
    """Lodge a complaint sent by another channel (e-mail, post): the uploader's (--item, --complainant) or a
    notifier's (--notice); the case goes back to the queue for another person."""
    if (notice is None) == (item is None or complainant is None):
        raise fail("give --item and --complainant (the uploader), or --notice (the notifier's receipt)")
    try:
        with database().transaction() as tx:
            if notice is not None:
                complaint = lodge_notifier_complaint(tx, None, notice, text, utcnow(), settings())
            else:
                assert item is not None and complainant is not None
                complaint = lodge_complaint(tx, platform, item, complainant, text, utcnow(), settings())
            lodged = (complaint.id, complaint.case_id, complaint.decide_by)
    except ReviewError as error:
        raise fail(str(error)) from None
    complaint_id, case_id, decide_by = lodged
    typer.echo(f"complaint {complaint_id} on case {case_id}")
    if decide_by is not None:
        err.print(f"answer it by {decide_by:%Y-%m-%d %H:%M} UTC (TCO Art 10(2))", highlight=False)


@complaints_app.command("list")
def list_(every: Annotated[bool, typer.Option("--all", help="decided ones too")] = False) -> None:
    """Open complaints, the earliest answer date first: id, case, item, filed, answer by, outcome."""
    now = utcnow()
    with database().snapshot() as tx:
        rows = tx.cases.complaints(open_only=not every)
    for c in rows:
        due = f"{c.decide_by:%Y-%m-%d %H:%M}" if c.decide_by else "-"
        late = " OVERDUE" if c.decide_by and c.outcome is None and c.decide_by < now else ""
        item = f"{c.platform}/{c.item_id}"
        typer.echo(f"{c.id}\tcase {c.case_id}\t{item}\t{c.filed_at:%Y-%m-%d}\t{due}{late}\t{c.outcome or 'open'}")


def register(app: typer.Typer) -> None:
    app.add_typer(complaints_app, name="complaints")
