"""`bastion model lines`: what each language's line costs, and a candidate with some lines moved.

bastion model lines [DIR]                                          # the lines and what others would cost
bastion model lines [DIR] --set en=0.46 --reason "..." --out NEW   # a candidate: register, shadow, compare, promote
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bastion.cli._context import database, err, fail, require_file, settings

if TYPE_CHECKING:
    from bastion.text.model import TextModel


def lines(
    directory: Annotated[
        Path | None, typer.Argument(help="a model directory (default: the live model, else the configured one)")
    ] = None,
    set_lines: Annotated[
        list[str] | None,
        typer.Option("--set", help="LANG=LINE (a language code, * or route:*); repeatable; needs --out and --reason"),
    ] = None,
    reason: Annotated[str, typer.Option(help="why the lines move: recorded in the new model")] = "",
    out: Annotated[Path | None, typer.Option(help="where the model with the moved lines is written")] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="measure the costs on this labelled JSONL the model never saw (`bastion model decisions`)"),
    ] = None,
) -> None:
    """Each language's line and what a stricter or looser one would cost: out of fold on the training data's
    person labels, as recorded at training, or on labelled rows the model never saw (--data)."""
    from bastion.text.model import TextModel

    source = directory or _serving_directory()
    require_file(source / "model.json")
    try:
        model = TextModel.load(source)
    except (ValueError, KeyError, OSError) as error:
        raise fail(f"{source}: not a text model ({error})") from None
    if not set_lines:
        _show(model, _measured(model, data) if data else None)
        return
    _write_relined(model, source, set_lines, reason, out)


def _serving_directory() -> Path:
    """The directory of the model that judges now: the promoted one, else the configured one."""
    from bastion.store.text_models import LIVE

    with database().snapshot() as tx:
        live = tx.text_models.in_state(LIVE)
    return Path(live.path) if live is not None else settings().text_model_dir


def _write_relined(model: TextModel, source: Path, specs: list[str], reason: str, out: Path | None) -> None:
    from bastion.core import utcnow
    from bastion.training.card import write_card
    from bastion.training.relined import LineError, relined

    if out is None:
        raise fail("--set writes a new model: name its directory with --out (the model in use stays as it is)")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise fail(f"--out {out} is not empty: name a new directory (no model is ever written over)")
    try:
        moved = relined(model, _parsed(specs), reason, utcnow())
    except LineError as error:
        raise fail(str(error)) from None
    moved.save(out)
    write_card(moved, out)
    for change in moved.metrics["lines_set"][-1]["changes"]:  # type: ignore[index]
        err.print(f"{change['line']}: {change['from']} -> {change['to']}", highlight=False)
    err.print(
        f"model {moved.version} written to {out} (from {model.version}); "
        f"next: bastion model register {out}, then shadow and compare",
        highlight=False,
    )


def _parsed(specs: list[str]) -> dict[str, float]:
    parsed: dict[str, float] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        key = key.strip()
        if key in parsed:
            raise fail(f"--set names {key} twice: give each line once")
        try:
            parsed[key] = float(value)
        except ValueError:
            raise fail(f"--set {spec!r}: expected LANG=LINE, for example en=0.46") from None
        if not sep:
            raise fail(f"--set {spec!r}: expected LANG=LINE, for example en=0.46")
    return parsed


def _measured(model: TextModel, data: Path) -> dict[str, Any]:
    from bastion.training.corpus import read_corpus
    from bastion.training.labelled import LabelledFileError
    from bastion.training.line_costs import costs_on

    require_file(data)
    try:
        corpus = read_corpus(data)
    except LabelledFileError as error:
        raise fail(str(error)) from None
    return costs_on(model, corpus)


def _show(model: TextModel, measured: dict[str, Any] | None) -> None:
    from bastion.text.model import named_lines

    console = Console()
    console.print(f"model {model.version}")
    current = named_lines(model.thresholds, model.route)
    console.print("lines: " + ", ".join(f"{key} {line:.4f}" for key, line in sorted(current.items())))
    recorded: Any = model.metrics.get("line_costs") or {}
    costs: dict[str, Any] = recorded if measured is None else measured
    if measured is not None and not costs:
        console.print("no language in the data has the 200 person-labelled non-TVEC rows a rate needs")
        return
    if not costs:
        console.print("this model's training recorded no line costs (trained before they were): retrain, or measure")
        console.print("them on labelled rows it never saw with --data FILE")
        return
    marker = " (drawn in training)" if measured is None else " (judged at now)"
    for lang, spec in costs.items():
        labels = [label for label, n in spec["negatives"].items() if n >= 100]
        table = Table(
            "line",
            "recall",
            "false positives",
            *labels,
            title=f"{lang}: judged at {model.threshold_for(lang):.4f}; {spec['judged_tvec']} judged TVEC, "
            f"{sum(spec['negatives'].values())} negatives",
        )
        for row in spec["lines"]:
            by_label = row["fpr_by_label"]
            table.add_row(
                f"{row['line']:.4f}" + (marker if row["drawn"] else ""),
                "n/a" if row["recall"] is None else f"{row['recall']:.3f}",
                f"{row['fpr']:.2%}",
                *(f"{by_label[label]:.2%}" if label in by_label else "n/a" for label in labels),
            )
        console.print(table)
    if measured is None:
        console.print("recall and false positives are on the training data's labels: your users' own, from the blind")
        console.print("sample (docs/learning.md) or --data, say what a line costs on your platform")
