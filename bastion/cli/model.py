"""`bastion train` and `bastion eval`: build the text model, and judge any labelled file with it."""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bastion.cli._context import database, err, fail, require_file, settings
from bastion.text.labels import LABELS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy as np

    from bastion.training.extra_collections import ExtraRows

_DEFAULT_DATA = Path("../shared/data/dev.jsonl")
_KNOWN_LABELS = ", ".join(LABELS)
_UNKNOWN_LISTED = 10  # labels named in the warning; the JSON counts every one


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
    judged: Annotated[
        list[Path] | None,
        typer.Option("--judged", help="rows `bastion judge` wrote: taught as the judge's reading, never measured"),
    ] = None,
    judged_weight: Annotated[
        float, typer.Option(help="weight of the judged rows (times the judge's own)", min=0.01)
    ] = 1.0,
    judged_since: Annotated[datetime | None, typer.Option(help="only rows judged at or after (UTC)")] = None,
    decisions: Annotated[
        bool,
        typer.Option("--decisions/--no-decisions", help="also learn from the moderators' decisions in the database"),
    ] = False,
    decisions_weight: Annotated[float, typer.Option(help="weight of a decision's row", min=0.01)] = 1.0,
    decisions_since: Annotated[datetime | None, typer.Option(help="only decisions made at or after (UTC)")] = None,
    decisions_until: Annotated[datetime | None, typer.Option(help="only decisions made before (UTC)")] = None,
    extra_collections: Annotated[
        bool,
        typer.Option(
            "--extra-collections/--no-extra-collections",
            help="also learn from the extra/ collections beside --data (mapping and why it is off by default: "
            "docs/model-experiments.md)",
        ),
    ] = False,
    collection_weight: Annotated[
        list[str] | None,
        typer.Option(help="NAME=WEIGHT: train an extra/ collection at this weight (repeatable; default 1)"),
    ] = None,
    taught_by_readers: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME: teach this person-labelled extra/ collection from the offline readers' labels "
            "(judged-extra.jsonl) instead of its own, and measure it like a pool (repeatable)"
        ),
    ] = None,
    source_folds: Annotated[
        bool,
        typer.Option("--source-folds/--no-source-folds", help="with --cross-source, also hold out each source"),
    ] = True,
    scores: Annotated[
        Path | None, typer.Option(help="write every row's out-of-fold score here (JSONL of ids, no texts)")
    ] = None,
    hold_out: Annotated[
        list[str] | None,
        typer.Option(
            help="with --cross-source, hold out only this collection (repeatable; default: each, and each source)"
        ),
    ] = None,
    embedding_cache: Annotated[
        Path | None, typer.Option(help="keep sentence vectors here between runs (digests and vectors, no texts)")
    ] = None,
    language_directions: Annotated[
        int | None,
        typer.Option(
            help="the deep tier learns without the encoder's N strongest language directions (0: with them; "
            "default: language_neutral.DIRECTIONS)",
            min=0,
        ),
    ] = None,
) -> None:
    """Train both text tiers and write the model with its measured figures (model.json) and its card (model-card.md).

    With --judged and --decisions, a candidate learns from the shipped data, the judge's readings and the
    platform's own decisions; register it with `bastion model register DIR` and run it in shadow."""
    from bastion.training.labelled import LabelledFileError
    from bastion.training.train import train as run_training

    files = [data, *(also or [])]
    for path in [*files, *(judged or [])]:
        require_file(path)
    if out is None and (judged or decisions):
        raise fail("a candidate trained on judged rows or decisions needs --out DIR (the packaged model stays)")
    target = out or settings().text_model_dir
    with tempfile.TemporaryDirectory(prefix="bastion-train-") as scratch:
        try:
            extra, notes = _mix(
                judged or [],
                judged_weight,
                judged_since,
                decisions,
                decisions_weight,
                decisions_since,
                decisions_until,
                Path(scratch),
            )
            collections = _extra_collections(
                data, extra_collections, collection_weight or [], set(taught_by_readers or []), Path(scratch)
            )
            if collections is not None:
                extra.append(collections[0])
                notes["extra_collections"] = collections[1].note()
            model = run_training(
                [*files, *extra],
                target,
                limit=limit,
                cross_source=cross_source,
                written=written_examples,
                judged=judged_rows,
                progress=lambda m: err.print(m),
                notes=notes,
                pools=collections[1].pools if collections else None,
                source_folds=source_folds,
                scores_out=scores,
                hold_out=hold_out,
                embedder=_embedder(embedding_cache),
                **({} if language_directions is None else {"language_directions": language_directions}),
            )
        except LabelledFileError as error:
            raise fail(str(error)) from None
    figures: dict[str, Any] = model.metrics.get("5_fold", {}).get("cascade", {})  # type: ignore[attr-defined]
    err.print(f"model {model.version} written to {target}")
    err.print(
        f"5-fold: recall on judged TVEC {figures.get('recall_judged_tvec')}, FPR {figures.get('fpr_all_non_tvec')}"
    )


def _mix(
    judged: list[Path],
    judged_weight: float,
    judged_since: datetime | None,
    decisions: bool,
    decisions_weight: float,
    since: datetime | None,
    until: datetime | None,
    scratch: Path,
) -> tuple[list[Path], dict[str, object]]:
    """The judged rows and the decisions, cut and weighted, as files in `scratch`; the notes the model records."""
    from bastion.learning.labels import decision_rows, policy_version_in_force
    from bastion.training.mix import decisions_part, judged_part, write_parts

    parts = []
    if judged:
        parts.append(judged_part(judged, judged_weight, _utc(judged_since)))
    if decisions:
        with database().snapshot() as tx:
            rows = decision_rows(tx, _utc(since), _utc(until))
        parts.append(decisions_part(rows, decisions_weight, _utc(since), _utc(until)))
    files, mix = write_parts(parts, scratch)
    return files, {"mix": mix, "policy_version": policy_version_in_force(settings())}


def _extra_collections(
    data: Path, wanted: bool, weights: list[str], by_readers: set[str], scratch: Path
) -> tuple[Path, ExtraRows] | None:
    """The extra/ collections beside the data file, mapped onto the model's labels and written to `scratch`."""
    from bastion.training.extra_collections import read_extra, write_rows

    directory = data.parent / "extra"
    if not wanted or not directory.is_dir():
        return None
    extra = read_extra(directory, weights=_weights(weights), taught_by_readers=by_readers)
    err.print(f"extra collections from {directory}: {extra.counts}")
    return write_rows(extra, scratch / "extra-collections.jsonl"), extra


def _embedder(cache: Path | None) -> Callable[[Sequence[str]], np.ndarray]:
    from bastion.text.embedding import embed
    from bastion.training.embedding_cache import EmbeddingCache

    return embed if cache is None else EmbeddingCache(cache)


def _weights(specs: list[str]) -> dict[str, float]:
    weights = {}
    for spec in specs:
        name, _, value = spec.partition("=")
        try:
            weights[name] = float(value)
        except ValueError:
            raise fail(f"--collection-weight takes NAME=WEIGHT, not {spec!r}") from None
        if not 0 < weights[name] <= 100:
            raise fail(f"--collection-weight {spec!r}: a weight is above 0, at most 100")
    return weights


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=moment.tzinfo or UTC)


def evaluate(
    data: Annotated[
        Path,
        typer.Option(help=f"labelled JSONL: text, label (one of {_KNOWN_LABELS}), and optional lang, source, basis"),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object (n/a as null)")] = False,
    group_by: Annotated[str | None, typer.Option("--group-by", help="also show figures per 'source' or 'lang'")] = None,
) -> None:
    """Score a labelled file through the full pipeline and print precision, recall and false positives.

    A row whose label is not one of the model's is named in a warning and not scored; a file in which no
    row can be scored exits 1. A figure with nothing to measure it on (recall without judged TVEC) is n/a.
    """
    from bastion.context import AppContext
    from bastion.pipeline import Pipeline
    from bastion.training.evaluate import judge, summarise
    from bastion.training.labelled import LabelledFileError

    if group_by not in (None, "source", "lang"):
        raise fail("--group-by takes 'source' or 'lang'")
    require_file(data)
    context = AppContext.read_only(settings())  # eval writes nothing and creates nothing
    pipeline = Pipeline.from_context(context)
    try:
        judged = judge(pipeline, data)
    except LabelledFileError as error:
        raise fail(str(error)) from None
    for refused in judged.refused:
        err.print(f"[yellow]{data}:{refused.line}:[/yellow] not scored: {refused.reason}", highlight=False)
    _warn_of_unknown_labels(data, judged.unknown_labels)
    if not judged.rows:
        raise fail(f"{data}: no row could be scored{_why_none(judged.unknown_labels)}", code=1)
    report = summarise(judged, context.text_model().threshold_for)
    if as_json:
        sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
        return
    _print_report(report, group_by)


def _warn_of_unknown_labels(data: Path, unknown: Counter[str]) -> None:
    """One line naming the labels the model does not know, most rows first, and the ones it does."""
    if not unknown:
        return
    named = ", ".join(f"{escape(repr(label[:40]))} ({count})" for label, count in unknown.most_common(_UNKNOWN_LISTED))
    more = f" and {len(unknown) - _UNKNOWN_LISTED} more" if len(unknown) > _UNKNOWN_LISTED else ""
    err.print(
        f"[yellow]warning:[/yellow] {data}: {sum(unknown.values())} rows not scored, their labels are not known: "
        f"{named}{more}; known labels: {_KNOWN_LABELS}",
        highlight=False,
    )


def _why_none(unknown: Counter[str]) -> str:
    return f": no row has a known label ({_KNOWN_LABELS})" if unknown else ""


def _print_report(report: dict[str, Any], group_by: str | None) -> None:
    console = Console()
    tvec = report["tvec"]
    console.print(
        f"{report['n']} rows · TVEC (judged) precision {_figure(tvec['precision'])} recall {_figure(tvec['recall'])} "
        f"F1 {_figure(tvec['f1'])} on {tvec['support']} · false positives overall {_pct(report['fpr_all'])}"
        + (f" · {report['refused']['n']} rows not scored" if report["refused"]["n"] else "")
        + (f" · {sum(report['unknown_labels'].values())} rows of unknown labels" if report["unknown_labels"] else "")
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


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{100 * rate:.1f}%"


def register(app: typer.Typer) -> None:
    app.command()(train)
    app.command("eval")(evaluate)
