"""`bastion train` and `bastion eval`: build the text model, and judge any labelled file with it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bastion.cli._context import err, fail, require_file, settings

_DEFAULT_DATA = Path("../shared/data/dev.jsonl")


def train(
    data: Annotated[
        Path, typer.Option(help="labelled JSONL (fields: text, label, lang, source, basis)")
    ] = _DEFAULT_DATA,
    also: Annotated[
        list[Path] | None,
        typer.Option(help="more labelled JSONL; where it judges a text that --data only labels by account, it wins"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="model directory (default: the packaged model)")] = None,
    limit: Annotated[int | None, typer.Option(help="train on a random sample of this many rows (smoke tests)")] = None,
    cross_source: Annotated[
        bool, typer.Option("--cross-source/--no-cross-source", help="also measure leave-one-source/collection-out")
    ] = True,
    written_examples: Annotated[
        bool,
        typer.Option(
            "--written-examples/--no-written-examples",
            help="also learn from Bastion's written sentences (more recall off dev, more false positives: model card)",
        ),
    ] = False,
    judged_rows: Annotated[
        bool,
        typer.Option(
            "--judged-rows/--no-judged-rows",
            help="replace account labels with the offline judge's reading of each text (judged-rows.jsonl)",
        ),
    ] = True,
) -> None:
    """Train both text tiers and write the model with its measured figures (model.json)."""
    from bastion.training.labelled import LabelledFileError
    from bastion.training.train import train as run_training

    files = [data, *(also or [])]
    for path in files:
        require_file(path)
    target = out or settings().text_model_dir
    try:
        model = run_training(
            files,
            target,
            limit=limit,
            cross_source=cross_source,
            written=written_examples,
            judged=judged_rows,
            progress=lambda m: err.print(m),
        )
    except LabelledFileError as error:
        raise fail(str(error)) from None
    figures: dict[str, Any] = model.metrics.get("5_fold", {}).get("cascade", {})  # type: ignore[attr-defined]
    err.print(f"model {model.version} written to {target}")
    err.print(
        f"5-fold: recall on judged TVEC {figures.get('recall_judged_tvec')}, FPR {figures.get('fpr_all_non_tvec')}"
    )


def evaluate(
    data: Annotated[Path, typer.Option(help="labelled JSONL (same fields as the shared data)")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    group_by: Annotated[str | None, typer.Option("--group-by", help="also show figures per 'source' or 'lang'")] = None,
) -> None:
    """Score a labelled file through the full pipeline and print precision, recall and false positives."""
    from bastion.pipeline import Pipeline
    from bastion.text.evaluate import LabelledFileError, judge, summarise
    from bastion.text.model import TextModel

    if group_by not in (None, "source", "lang"):
        raise fail("--group-by takes 'source' or 'lang'")
    require_file(data)
    config = settings()
    pipeline = Pipeline.from_settings(config)
    try:
        judged = judge(pipeline, data)
    except LabelledFileError as error:
        raise fail(str(error)) from None
    for refused in judged.refused:
        err.print(f"[yellow]{data}:{refused.line}:[/yellow] not scored: {refused.reason}", highlight=False)
    report = summarise(judged, TextModel.load(config.text_model_dir).threshold_for)
    if as_json:
        sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
        return
    _print_report(report, group_by)


def _print_report(report: dict[str, Any], group_by: str | None) -> None:
    console = Console()
    tvec = report["tvec"]
    console.print(
        f"{report['n']} rows · TVEC (judged) precision {tvec['precision']:.3f} recall {tvec['recall']:.3f} "
        f"F1 {tvec['f1']:.3f} on {tvec['support']} · false positives overall {_pct(report['fpr_all'])}"
        + (f" · {report['refused']['n']} rows not scored" if report["refused"]["n"] else "")
    )
    table = Table("label", "false-positive rate", title="False positives by label")
    for label, rate in report["fpr"].items():
        table.add_row(label, _pct(rate))
    console.print(table)
    if group_by:
        key = "by_source" if group_by == "source" else "by_lang"
        groups = Table(group_by, "rows", "TVEC recall", "false-positive rate", title=f"By {group_by}")
        for name, figures in report[key].items():
            groups.add_row(name, str(figures["n"]), _pct(figures["recall"]), _pct(figures["fpr"]))
        console.print(groups)


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.1f}%"


def register(app: typer.Typer) -> None:
    app.command()(train)
    app.command("eval")(evaluate)
