"""`bastion symbols ...`: create symbol banks, register symbols from images, exchange and look after them.

Symbol banks are banks (`bastion banks share/unshare` and the allow-bank flag work on them too); banks
made here are installation banks that apply to every platform, as with `bastion banks create`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bastion.banks.entries import BankError, set_enabled, valid_bank_name
from bastion.cli._context import database, err, fail, settings
from bastion.core import Bank, Category, ContentError
from bastion.store.banks import qualified_name
from bastion.symbols.formats import export_lines, read_lines
from bastion.symbols.registry import (
    DEFAULT_SENSITIVITY,
    add_symbol,
    create_symbol_bank,
    list_symbol_banks,
    precision,
    set_symbol_state,
    symbol_bank,
    symbols_of,
)

symbols_app = typer.Typer(help="Symbol banks: emblems found inside new images.", no_args_is_help=True)
_ACTOR = "cli"
BankName = Annotated[str, typer.Argument(help="symbol bank")]


@symbols_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="bank name (letters, digits, . _ -)")],
    description: Annotated[str, typer.Option(help="what the bank holds")] = "",
    benign: Annotated[bool, typer.Option("--benign", help="an allow bank of look-alikes: they veto matches")] = False,
    category: Annotated[str, typer.Option(help="category of a match")] = "propaganda",
) -> None:
    """Create an empty symbol bank."""
    try:
        valid_bank_name(name)
        with database().transaction() as tx:
            create_symbol_bank(tx, Bank(name=name, description=description, benign=benign), _ACTOR, Category(category))
    except (BankError, ValueError) as error:
        raise fail(str(error)) from None
    err.print(f"symbol bank {name!r} created")


@symbols_app.command("add")
def add(
    name: BankName,
    images: Annotated[list[Path], typer.Argument(help="reference images of one symbol")],
    label: Annotated[str, typer.Option(help="the symbol's name, as moderators will read it")],
    also: Annotated[list[str] | None, typer.Option("--tag", help="a further label (repeatable)")] = None,
    source: Annotated[str | None, typer.Option(help="where the symbol came from")] = None,
    sensitivity: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="how readily it matches (a match counts at score ≥ 1 − this)")
    ] = DEFAULT_SENSITIVITY,
) -> None:
    """Register a symbol from one or more reference images (more images for a known label add to it)."""
    data = []
    for path in images:
        try:
            data.append(path.read_bytes())
        except OSError as error:
            raise fail(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        with database().transaction() as tx:
            symbol = add_symbol(
                tx,
                name,
                data,
                label,
                _ACTOR,
                labels=also,
                source=source,
                sensitivity=sensitivity,
                max_pixels=settings().max_image_pixels,
            )
            symbol_id = symbol.id
    except (BankError, ContentError) as error:
        raise fail(str(error)) from None
    err.print(f"symbol {symbol_id} {label!r} in {name!r}: {len(data)} reference image(s)")


@symbols_app.command("list")
def list_(bank: Annotated[str | None, typer.Argument(help="list this bank's symbols")] = None) -> None:
    """Every symbol bank (or one bank's symbols, with the precision moderators' reviews give each)."""
    with database().snapshot() as tx:
        if bank is None:
            table = Table("bank", "owner", "symbols", "enabled", "allow bank", "category", "description")
            for row, count in list_symbol_banks(tx):
                table.add_row(
                    qualified_name(row.owner, row.name),
                    row.owner or "(installation)",
                    str(count),
                    "yes" if row.enabled else "no",
                    "yes" if row.benign else "",
                    row.category,
                    row.description,
                )
        else:
            try:
                symbols = symbols_of(tx, bank)
            except BankError as error:
                raise fail(str(error)) from None
            references = tx.symbols.references([s.id for s in symbols])
            opinions = tx.symbols.opinions([s.id for s in symbols])
            table = Table("id", "label", "state", "images", "sensitivity", "precision", "reviewed", "source")
            for s in symbols:
                confirmed, disputed = opinions.get(s.id, (0, 0))
                share = precision(confirmed, disputed)
                table.add_row(
                    str(s.id),
                    s.label,
                    s.state,
                    str(len(references.get(s.id, []))),
                    f"{s.sensitivity:.2f}",
                    "—" if share is None else f"{share:.0%}",
                    f"{confirmed} confirmed, {disputed} disputed",
                    s.source or "",
                )
    Console().print(table)


@symbols_app.command("remove")
def remove(symbol_id: Annotated[int, typer.Argument(help="symbol id")], reason: str = "") -> None:
    """Stop matching a symbol (kept, audited; `restore` brings it back)."""
    _state(symbol_id, "removed", reason)


@symbols_app.command("restore")
def restore(symbol_id: Annotated[int, typer.Argument(help="symbol id")], reason: str = "") -> None:
    """Let a removed or quarantined symbol match again (audited)."""
    _state(symbol_id, "active", reason)


@symbols_app.command("enable")
def enable(name: BankName) -> None:
    """Let the bank match again."""
    _enabled(name, True)


@symbols_app.command("disable")
def disable(name: BankName) -> None:
    """Stop the bank from matching (its symbols are kept)."""
    _enabled(name, False)


@symbols_app.command("export")
def export(name: BankName, out: Annotated[Path, typer.Option("--out", "-o", help="JSON lines file")]) -> None:
    """Write the bank's active symbols, with their reference images, as JSON lines."""
    try:
        with database().snapshot() as tx, out.open("w", encoding="utf-8") as stream:
            count = sum(1 for line in export_lines(tx, name) if stream.write(line + "\n"))
    except BankError as error:
        raise fail(str(error)) from None
    except OSError as error:
        raise fail(f"{out}: cannot write ({error.strerror or error})") from None
    err.print(f"{count} symbols of {name!r} written to {out}")


@symbols_app.command("import")
def import_(name: BankName, file: Annotated[Path, typer.Argument(help="JSON lines, as `export` writes")]) -> None:
    """Add the symbols of a file (all or nothing: a bad line or image imports none)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"{file}: cannot read ({error})") from None
    try:
        with database().transaction() as tx:
            count = 0
            for record in read_lines(text.splitlines()):
                add_symbol(
                    tx,
                    name,
                    record.images,
                    record.label,
                    _ACTOR,
                    labels=record.labels,
                    source=record.source or file.name,
                    sensitivity=record.sensitivity,
                    max_pixels=settings().max_image_pixels,
                )
                count += 1
    except (BankError, ContentError) as error:
        raise fail(str(error)) from None
    err.print(f"{count} symbols imported into {name!r}")


def _state(symbol_id: int, state: str, reason: str) -> None:
    try:
        with database().transaction() as tx:
            set_symbol_state(tx, symbol_id, state, _ACTOR, reason)
    except BankError as error:
        raise fail(str(error)) from None
    err.print(f"symbol {symbol_id} is now {state}")


def _enabled(name: str, enabled: bool) -> None:
    try:
        with database().transaction() as tx:
            symbol_bank(tx, name)
            set_enabled(tx, name, enabled, _ACTOR)
    except BankError as error:
        raise fail(str(error)) from None
    err.print(f"symbol bank {name!r} {'enabled' if enabled else 'disabled'}")


def register(app: typer.Typer) -> None:
    app.add_typer(symbols_app, name="symbols")
