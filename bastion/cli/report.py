"""`bastion report`: the transparency report for a period, as JSON, CSV or HTML (TCO Art 7, DSA Art 15 and 24)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bastion.cli._context import database, err, fail, settings
from bastion.core import utcnow
from bastion.legal.transparency import TransparencyReport, model_figures, transparency_report
from bastion.legal.transparency_render import as_csv, as_html, as_json


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def report(
    start: Annotated[str, typer.Option("--from", help="first day of the period, YYYY-MM-DD (UTC)")],
    end: Annotated[str, typer.Option("--to", help="last day of the period, YYYY-MM-DD (UTC), included")],
    output_format: Annotated[ReportFormat, typer.Option("--format", help="json, csv or html")] = ReportFormat.JSON,
    out: Annotated[Path | None, typer.Option(help="write to this file instead of standard output")] = None,
) -> None:
    """Write the transparency report for the days FROM to TO (both included), counted from Bastion's records."""
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise fail(f"--to ({last}) is before --from ({first})")
    with database().snapshot() as tx:
        figures = transparency_report(
            tx,
            _midnight(first),
            _midnight(last + timedelta(days=1)),
            utcnow(),
            model_figures(settings().text_model_dir),
        )
    text = render(figures, output_format)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {out}: {error.strerror}") from None
    err.print(f"transparency report {first} to {last} written to {out}", highlight=False)


def render(figures: TransparencyReport, output_format: ReportFormat) -> str:
    if output_format is ReportFormat.CSV:
        return as_csv(figures)
    if output_format is ReportFormat.HTML:
        return as_html(figures)
    return json.dumps(as_json(figures), indent=2) + "\n"


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} takes a day as YYYY-MM-DD, not {text!r}") from None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
