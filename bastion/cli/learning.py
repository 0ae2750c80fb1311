"""`bastion judge` and `bastion model ...`: label posts with the judge, and manage text models in production.

bastion judge posts.jsonl --out judged.jsonl      # resumable: re-run to continue
bastion model register DIR                        # a trained model as a candidate
bastion model shadow VERSION                      # run it beside the live model, never acted on
bastion model compare [--json]                    # both, against the decisions made since
bastion model promote VERSION / bastion model rollback
bastion model decisions --out FILE                # people's decisions as labelled rows
bastion model lines [DIR] [--set en=0.46 ...]       # what each line costs; a candidate with lines moved
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bastion.cli._context import database, err, fail, require_file, settings
from bastion.core import utcnow

model_app = typer.Typer(help="Text models: register, run in shadow, compare, promote, roll back.", no_args_is_help=True)
_ACTOR = "cli"


def judge(
    data: Annotated[Path, typer.Argument(help="JSONL of posts: a 'text' each; other fields are kept")],
    out: Annotated[Path | None, typer.Option(help="where the judged rows go (default: DATA.judged.jsonl)")] = None,
    limit: Annotated[int | None, typer.Option(help="judge at most this many new rows", min=1)] = None,
) -> None:
    """Label posts with the judge under the TVEC policy, offline and resumably (rows already judged are skipped)."""
    from bastion.text.judge.tier import judge_from_settings
    from bastion.text.policy import PolicyDocumentError
    from bastion.training.judging import judge_file
    from bastion.training.labelled import LabelledFileError

    require_file(data)
    judge_model = judge_from_settings(settings(), None)
    if judge_model is None:
        raise fail("no judge is configured: set BASTION_LLM_JUDGE_URL (and BASTION_LLM_JUDGE_MODEL, _API_KEY)")
    target = out or data.with_suffix(".judged.jsonl")
    try:
        run = judge_file(judge_model, data, target, limit, progress=lambda m: err.print(m, highlight=False))
    except (LabelledFileError, PolicyDocumentError) as error:
        raise fail(str(error)) from None
    for line, why in run.skipped:
        err.print(f"[yellow]{data}:{line}:[/yellow] skipped: {why}", highlight=False)
    labels = ", ".join(f"{label} {n}" for label, n in sorted(run.labels.items())) or "none"
    err.print(
        f"{run.judged} judged ({labels}), {run.already} already in {target}, {run.unanswered} unanswered"
        + (" (run again to ask about them)" if run.unanswered else ""),
        highlight=False,
    )
    if run.unanswered:
        raise typer.Exit(1)


@model_app.command("register")
def register_model(
    directory: Annotated[Path, typer.Argument(help="a model directory `bastion train --out` wrote")],
) -> None:
    """Record a trained model as a candidate (audited)."""
    from bastion.learning.registry import RegistryError, register

    try:
        with database().transaction() as tx:
            row = register(tx, directory, _ACTOR, utcnow())
    except RegistryError as error:
        raise fail(str(error)) from None
    err.print(f"model {row.version} registered ({row.state}) from {row.path}", highlight=False)


@model_app.command("list")
def list_models() -> None:
    """Every registered model and its state; with none live, the configured model serves."""
    table = Table("version", "state", "registered", "rows", "policy")
    with database().snapshot() as tx:
        for row in tx.text_models.all():
            table.add_row(
                row.version,
                row.state,
                f"{row.registered_at:%Y-%m-%d %H:%M}",
                str(row.card.get("rows")),
                str(row.card.get("policy_version") or ""),
            )
    Console().print(table)


@model_app.command("shadow")
def shadow_model(version: str) -> None:
    """Run a model in shadow: it reads live traffic beside the live model; its verdicts are stored, never acted on."""
    _registry_act("start_shadow", version, f"model {version} runs in shadow")


@model_app.command("promote")
def promote_model(version: str) -> None:
    """Make a model live (audited); the live one retires and a rollback brings it back."""
    _registry_act("promote", version, f"model {version} is live")


@model_app.command("rollback")
def rollback_model() -> None:
    """Take the live model down and put back the one it replaced (audited)."""
    from bastion.learning.registry import RegistryError, rollback

    try:
        with database().transaction() as tx:
            serving = rollback(tx, _ACTOR, utcnow())
    except RegistryError as error:
        raise fail(str(error)) from None
    err.print(f"rolled back: {serving} serves", highlight=False)


def _registry_act(name: str, version: str, done: str) -> None:
    from bastion.learning import registry

    try:
        with database().transaction() as tx:
            getattr(registry, name)(tx, version, _ACTOR, utcnow())
    except registry.RegistryError as error:
        raise fail(str(error)) from None
    err.print(done, highlight=False)


@model_app.command("compare")
def compare_models(
    version: Annotated[str | None, typer.Argument(help="a candidate (default: the model in shadow)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """The live model and a candidate on the items people decided since the candidate's shadow began."""
    from bastion.learning.compare import NothingToCompare, compare

    try:
        with database().snapshot() as tx:
            result = compare(tx, version).as_json()
    except NothingToCompare as error:
        raise fail(str(error)) from None
    if as_json:
        sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
        return
    console = Console()
    console.print(
        f"live ({', '.join(result['live_versions']) or 'none'}) against {result['candidate']}, "
        f"on decisions since {result['since']}"
    )
    _print_groups(console, {"all": result["overall"]}, "overall")
    for group, rows in result["by"].items():
        _print_groups(console, rows, group)


def _print_groups(console: Console, rows: dict[str, Any], title: str) -> None:
    table = Table(title, "items", "live P", "live R", "candidate P", "candidate R", title=f"by {title}")
    for key, both in rows.items():
        live, candidate = both["live"], both["candidate"]
        table.add_row(
            key,
            str(live["n"]),
            _f(live["precision"]),
            _f(live["recall"]),
            _f(candidate["precision"]),
            _f(candidate["recall"]),
        )
    console.print(table)


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@model_app.command("decisions")
def export_decisions(
    out: Annotated[Path, typer.Option(help="JSONL to write the labelled rows to")],
    since: Annotated[datetime | None, typer.Option(help="decisions made at or after (UTC)")] = None,
    until: Annotated[datetime | None, typer.Option(help="decisions made before (UTC)")] = None,
) -> None:
    """People's decisions as labelled rows (text, label, category, policy version), as `bastion train` reads them."""
    from bastion.learning.labels import decision_rows

    with database().snapshot() as tx:
        rows = decision_rows(tx, _utc(since), _utc(until))
    out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    err.print(f"{len(rows)} decisions written to {out}", highlight=False)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=moment.tzinfo or UTC)


def register(app: typer.Typer) -> None:
    from bastion.cli.model_lines import lines

    model_app.command("lines")(lines)
    app.command()(judge)
    app.add_typer(model_app, name="model")
