"""`bastion scan`: check a file of items through the same pipeline as the API."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bastion.cli._context import err, fail, read_only_service, require_file, service, settings
from bastion.core import Item, Verdict
from bastion.readers import BadRow, Row, detect_format, read_items

if TYPE_CHECKING:  # the service (detectors, models) is imported when a scan starts, not for --help
    from bastion.service import Service

_BATCH = 256


def scan(
    file: Annotated[str, typer.Argument(help="JSONL, CSV or Parquet file of items; '-' reads stdin (JSONL or CSV)")],
    output: Annotated[str, typer.Option("-o", "--output", help="where verdicts go as JSONL ('-' = stdout)")] = "-",
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl, csv or parquet (default: from suffix)")] = None,
    platform: Annotated[
        str, typer.Option(help="the platform whose items these are (ids are unique per platform)")
    ] = "local",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="only check: record nothing, open no cases, create no database")
    ] = False,
) -> None:
    """Check every item in FILE, RECORD it, and open a review case for each one not allowed.

    Items, verdicts, cases and audit records are written to the database just as
    `POST /v1/check` writes them (re-scanning an id replaces its verdict, never
    duplicates it); `--dry-run` writes nothing. One verdict per valid row goes to
    the output, in input order.

    Exit status: 0 when every row was checked, 1 when some rows were malformed
    (each is reported with its line number and skipped), 2 when the scan could
    not run at all.
    """
    try:
        fmt = detect_format(file, fmt)
    except ValueError as error:
        raise fail(str(error)) from None
    if file != "-":
        require_file(Path(file))
    _refuse_overwriting_input(file, output)
    svc = read_only_service() if dry_run else service()
    counts: Counter[str] = Counter()
    bad: list[BadRow] = []
    with ExitStack() as stack:
        out = sys.stdout if output == "-" else stack.enter_context(_open_output(output))
        try:
            rows = read_items(file, fmt, sys.stdin.buffer, settings().max_body_bytes)
            for batch in _batches(_with_progress(rows, file)):
                for verdict in _check_batch(svc, batch, platform, bad, record=not dry_run):
                    counts[verdict.action.value] += 1
                    out.write(verdict.model_dump_json() + "\n")
                out.flush()
        except ValueError as error:
            raise fail(str(error)) from None
    _report(counts, bad, to_stdout=output != "-")
    if bad:
        raise typer.Exit(1)


def _refuse_overwriting_input(file: str, output: str) -> None:
    """Checked before the output is opened: opening it for writing would empty the input before a row is read."""
    if file == "-" or output == "-":
        return
    try:
        same = os.path.samefile(file, output)
    except OSError:  # no such output yet, or one that cannot be looked at: opening it says why
        return
    if same:
        raise fail(f"the output {output} is the input file; write the verdicts somewhere else")


def _open_output(output: str) -> TextIO:
    try:
        return Path(output).open("w", encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {output}: {(error.strerror or str(error)).lower()}") from None


def _check_batch(svc: Service, batch: list[Row], platform: str, bad: list[BadRow], record: bool) -> list[Verdict]:
    items: list[Item] = []
    lines: list[int] = []
    for line, row in batch:
        if isinstance(row, BadRow):
            _complain(row, bad)
        else:
            items.append(row)
            lines.append(line)
    verdicts = []
    for line, outcome in zip(lines, svc.check(items, platform, record=record), strict=True):
        if not isinstance(outcome, Verdict):  # a Refusal
            _complain(BadRow(line, outcome.problem), bad)
        else:
            verdicts.append(outcome)
    return verdicts


def _complain(row: BadRow, bad: list[BadRow]) -> None:
    bad.append(row)
    err.print(f"[yellow]line {row.line}:[/yellow] skipped: {row.problem}", highlight=False)


def _batches(rows: Iterator[Row]) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _with_progress(rows: Iterator[Row], file: str) -> Iterator[Row]:
    if not err.is_terminal:
        yield from rows
        return
    columns = (TextColumn("scanning {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(file, total=None)
        for row in rows:
            yield row
            progress.advance(task)


def _report(counts: Counter[str], bad: list[BadRow], to_stdout: bool) -> None:
    table = Table(title="bastion scan")
    table.add_column("outcome")
    table.add_column("items", justify="right")
    for action in ("allow", "review", "remove"):
        table.add_row(action, str(counts[action]))
    table.add_row("skipped (malformed)", str(len(bad)))
    table.add_row("total rows", str(sum(counts.values()) + len(bad)))
    (Console() if to_stdout else err).print(table)
