"""`bastion banks ...`: create, fill, exchange and look after hash banks.

Banks made here are installation banks (no owner): they apply to every platform and
platform keys may only use them. An operator shares a platform's bank with another here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.table import Table

from bastion.banks.entries import (
    BankError,
    NewEntry,
    add_entries,
    create_bank,
    entries_of,
    list_banks,
    record_feedback,
    set_enabled,
    set_entry_state,
    share_bank,
    signal_value,
    unshare_bank,
    valid_bank_name,
)
from bastion.banks.formats import FORMATS, decoded_lines, iter_entries, write_entries
from bastion.banks.media import entries_from_media, hash_file
from bastion.cli._context import database, err, fail, settings
from bastion.core import Bank, Category, ContentError, utcnow
from bastion.store.banks import qualified_name
from bastion.store.models.banks import BankEntryRow

banks_app = typer.Typer(help="Hash banks of known content (PDQ, vPDQ, MD5, SHA-256).", no_args_is_help=True)
_ACTOR = "cli"
_MAX_HOURS = 10 * 365 * 24  # ten years: far beyond the 30-day retro window, and well inside timedelta's range
Labels = Annotated[list[str] | None, typer.Option("--label", help="a label for every entry (repeatable)")]


@banks_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="bank name (letters, digits, . _ -)")],
    description: Annotated[str, typer.Option(help="what the bank holds")] = "",
    benign: Annotated[bool, typer.Option("--benign", help="an allow bank: its matches veto other matches")] = False,
    category: Annotated[str, typer.Option(help="category of a match when entries carry no known label")] = "propaganda",
    pdq_threshold: Annotated[int | None, typer.Option(help="PDQ distance for this bank (default 31)")] = None,
) -> None:
    """Create an empty bank."""
    try:
        valid_bank_name(name)  # before pydantic, whose message for it is four lines of pattern and URL
        with database().transaction() as tx:
            create_bank(
                tx,
                Bank(name=name, description=description, benign=benign),
                _ACTOR,
                Category(category),
                pdq_threshold,
            )
    except (BankError, ValueError) as error:
        raise fail(str(error)) from None
    err.print(f"bank {name!r} created")


@banks_app.command("list")
def list_() -> None:
    """Every bank with its owner, who it is shared with, its state and number of live entries.

    A platform's bank is listed as `<platform>/<name>`: bank names are unique per owner, so that is the
    name to give the other commands when two platforms have a bank of the same name."""
    table = Table(
        "bank", "owner", "shared with", "entries", "enabled", "allow bank", "category", "PDQ distance", "description"
    )
    with database().snapshot() as tx:
        subscribers = tx.banks.subscribers()
        for bank, count in list_banks(tx):
            table.add_row(
                qualified_name(bank.owner, bank.name),
                bank.owner or "(installation)",
                ", ".join(sorted(subscribers.get(bank.id, set()))),
                str(count),
                "yes" if bank.enabled else "no",
                "yes" if bank.benign else "",
                bank.category,
                str(bank.pdq_threshold or settings().pdq_threshold),
                bank.description,
            )
    Console().print(table)


Platform = Annotated[str, typer.Option("--with", help="the platform (as its API keys name it)")]


@banks_app.command("share")
def share(
    name: Annotated[str, typer.Argument(help="a platform's bank, as `<platform>/<name>`")], platform: Platform
) -> None:
    """Let another platform use a platform's bank, read-only: it matches that platform's items too (audited)."""
    try:
        with database().transaction() as tx:
            share_bank(tx, name, platform, _ACTOR)
    except BankError as error:
        raise fail(str(error)) from None
    err.print(f"bank {name!r} shared with {platform!r}")


@banks_app.command("unshare")
def unshare(name: Annotated[str, typer.Argument(help="a shared bank")], platform: Platform) -> None:
    """Stop sharing a bank with a platform: its items are no longer matched against it (audited)."""
    try:
        with database().transaction() as tx:
            unshare_bank(tx, name, platform, _ACTOR)
    except BankError as error:
        raise fail(str(error)) from None
    err.print(f"bank {name!r} no longer shared with {platform!r}")


@banks_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="bank to add to")],
    files: Annotated[list[Path], typer.Argument(help="image or video files to hash")],
    label: Labels = None,
    source: Annotated[str | None, typer.Option(help="where the content came from")] = None,
) -> None:
    """Hash media files and add their hashes (the files are not kept)."""
    config = settings()
    entries: list[NewEntry] = []
    for path in files:
        try:
            hashes = hash_file(path.name, path.read_bytes(), config.max_image_pixels, config.max_video_seconds)
        except (OSError, ContentError) as error:
            raise fail(f"{path}: {error}") from None
        entries += entries_from_media(path.name, hashes, label or [], source)
    _store(name, entries)


@banks_app.command("import")
def import_(
    name: Annotated[str, typer.Argument(help="bank to add to")],
    file: Annotated[Path, typer.Argument(help="bank file ('-' reads stdin)")],
    fmt: Annotated[str, typer.Option("--format", help=f"one of {', '.join(FORMATS)}")] = "csv",
    kind: Annotated[str, typer.Option(help="hash kind for rows that do not say")] = "pdq",
    source: Annotated[str | None, typer.Option(help="provenance for rows that do not say")] = None,
    label: Labels = None,
) -> None:
    """Import hashes from a pytx, HMA, CSV or JSONL file (all or nothing: a bad row imports none)."""
    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    stdin = str(file) == "-"
    # Streamed a batch at a time into one transaction: memory stays flat however long the file.
    with nullcontext(sys.stdin.buffer) if stdin else _open(file) as stream:
        entries = iter_entries(decoded_lines(stream), fmt, kind, source or (None if stdin else file.name))
        _store(name, _named(file, _labelled(entries, label or [])))


def _open(file: Path) -> IO[bytes]:
    try:
        return file.open("rb")
    except OSError as error:
        raise fail(f"{file}: cannot read ({error.strerror or error})") from None


def _named(file: Path, entries: Iterable[NewEntry]) -> Iterator[NewEntry]:
    """The entries, with the file named in any error reading them."""
    try:
        yield from entries
    except BankError as error:
        raise BankError(f"{file}: {error}") from None
    except OSError as error:
        raise BankError(f"{file}: cannot read ({error.strerror or error})") from None


def _labelled(entries: Iterable[NewEntry], labels: list[str]) -> Iterator[NewEntry]:
    for e in entries:
        yield NewEntry(e.kind, e.value, sorted({*e.labels, *labels}), e.source, e.confidence) if labels else e


@banks_app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="bank to export")],
    fmt: Annotated[str, typer.Option("--format", help=f"one of {', '.join(FORMATS)}")] = "csv",
    output: Annotated[str, typer.Option("-o", "--output", help="file to write ('-' = stdout)")] = "-",
) -> None:
    """Write a bank's live entries in an exchange format."""
    try:
        with database().snapshot() as tx:
            rows = entries_of(tx, name)
        text = write_entries([_as_new(row) for row in rows], fmt)
    except BankError as error:
        raise fail(str(error)) from None
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
    err.print(f"{len(rows)} entries of {name!r} exported as {fmt}")


@banks_app.command("enable")
def enable(name: Annotated[str, typer.Argument()]) -> None:
    """Let a bank's entries match again."""
    _set_enabled(name, True)


@banks_app.command("disable")
def disable(name: Annotated[str, typer.Argument()]) -> None:
    """Stop a bank's entries from matching (they are kept)."""
    _set_enabled(name, False)


@banks_app.command("remove")
def remove(
    entry_id: Annotated[int, typer.Argument(help="bank entry id")],
    reason: Annotated[str, typer.Option(help="why, for the audit log")] = "",
) -> None:
    """Remove one entry (kept in the audit log, never matched again)."""
    _entry_state(entry_id, "removed", reason)


@banks_app.command("release")
def release(entry_id: Annotated[int, typer.Argument(help="a quarantined entry's id")]) -> None:
    """Return a quarantined entry to matching after review."""
    _entry_state(entry_id, "active", "released from quarantine after review")


@banks_app.command("feedback")
def feedback(
    entry_id: Annotated[int, typer.Argument(help="bank entry id")],
    opinion: Annotated[str, typer.Argument(help="confirm or dispute")],
    note: Annotated[str, typer.Option(help="why")] = "",
) -> None:
    """Confirm or dispute an entry, recorded for its source."""
    try:
        with database().transaction() as tx:
            record_feedback(tx, entry_id, opinion, _ACTOR, note)
    except BankError as error:
        raise fail(str(error)) from None
    err.print(f"entry {entry_id}: {opinion} recorded")


@banks_app.command("match-retro")
def match_retro(
    hours: Annotated[
        int | None,
        typer.Option(
            min=1, max=_MAX_HOURS, help="also re-match every entry added in the last HOURS, not only pending ones"
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(min=1, max=_MAX_HOURS // 24, help="against items seen in the last DAYS (default: setting)"),
    ] = None,
) -> None:
    """Match bank entries against items already seen; matches open cases. `serve` does this by itself."""
    from bastion.workers.retro import match_all_pending  # the hash index: loaded by the commands that match

    config = settings()
    if days:
        config = config.model_copy(update={"retro_match_days": days})
    entries, found = match_all_pending(database(), config)
    if hours:
        from bastion.banks.matches import match_retroactively  # the hash index: only where it is needed

        now = utcnow()
        with database().transaction() as tx:
            ids = tx.banks.added_since(now - timedelta(hours=hours))
            found += match_retroactively(
                tx,
                ids,
                now,
                config.retro_match_days,
                config.pdq_threshold,
                config.pdq_quality_floor,
                (config.vpdq_query_match_percent, config.vpdq_entry_match_percent),
            )
        entries += len(ids)
    typer.echo(f"{entries} entries matched against past items: {len(found)} matches, cases opened or raised")


def _store(name: str, entries: Iterable[NewEntry]) -> None:
    from bastion.workers.retro import match_all_pending

    try:
        with database().transaction() as tx:
            added, existing = add_entries(tx, name, entries, _ACTOR)
    except BankError as error:
        raise fail(str(error)) from None
    _, retro = match_all_pending(database(), settings())
    err.print(f"{len(added)} entries added to {name!r} ({existing} already there); {len(retro)} past items matched")


def _set_enabled(name: str, enabled: bool) -> None:
    try:
        with database().transaction() as tx:
            set_enabled(tx, name, enabled, _ACTOR)
    except BankError as error:
        raise fail(str(error)) from None
    err.print(f"bank {name!r} {'enabled' if enabled else 'disabled'}")


def _entry_state(entry_id: int, state: str, reason: str) -> None:
    try:
        with database().transaction() as tx:
            set_entry_state(tx, entry_id, state, _ACTOR, reason)
    except BankError as error:
        raise fail(str(error)) from None
    err.print(f"entry {entry_id} is now {state}")


def _as_new(row: BankEntryRow) -> NewEntry:
    return NewEntry(row.kind, signal_value(row), list(row.labels), row.source, row.confidence)


def register(app: typer.Typer) -> None:
    app.add_typer(banks_app, name="banks")
