"""A trained model's card, written beside it (`model-card.md`): what it learnt from and how well it did.

A short, generated page for the admin deciding whether to run a candidate in
shadow: the data mix (shipped data, judged rows, the platform's decisions, with
their weights and cut-off dates), the policy version the labels were given
under, the 5-fold figures per language, and the probes. The full figures stay
in `model.json`; the shipped model's own card is docs/model-card.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bastion.text.model import TextModel

CARD = "model-card.md"


def write_card(model: TextModel, directory: Path) -> Path:
    path = directory / CARD
    path.write_text(card_text(model), encoding="utf-8")
    return path


def card_text(model: TextModel) -> str:
    metrics: dict[str, Any] = dict(model.metrics)
    lines = [
        f"# Text model {model.version}",
        "",
        f"Trained {metrics.get('trained_at', '?')} on {metrics.get('rows', '?')} rows"
        f" under TVEC policy {metrics.get('policy_version') or '(not recorded)'}.",
        "",
        "## What it learnt from",
        "",
        "| part | rows | weight | from | until |",
        "|---|---|---|---|---|",
    ]
    for part, spec in (metrics.get("mix") or {"data files": {"rows": metrics.get("rows")}}).items():
        lines.append(
            f"| {part} | {spec.get('rows', '?')} | {spec.get('weight', 1)} | {spec.get('since') or '—'}"
            f" | {spec.get('until') or '—'} |"
        )
    lines += ["", "Rows by source:", ""]
    lines += [f"- {source}: {n}" for source, n in sorted((metrics.get("rows_by_source") or {}).items())]
    cascade = (metrics.get("5_fold") or {}).get("cascade") or {}
    lines += [
        "",
        "## 5-fold figures (on rows a person labelled; judged rows are taught, never measured)",
        "",
        f"Recall on TVEC {_figure(cascade.get('recall_judged_tvec'))}, false positives over all other rows"
        f" {_figure(cascade.get('fpr_all_non_tvec'))}.",
        "",
        "| language | rows | recall | false positives |",
        "|---|---|---|---|",
    ]
    for lang, figures in sorted((cascade.get("by_lang") or {}).items()):
        lines.append(
            f"| {lang} | {figures.get('n')} | {_figure(figures.get('recall'))} | {_figure(figures.get('fpr'))} |"
        )
    lines += _line_costs(metrics) + _lines_set(metrics)
    lines += ["", "## Probes", ""]
    for name in ("faith_probes", "group_probes", "context_probes", "tvec_probes"):
        if name in metrics:
            lines.append(f"- {name.replace('_', ' ')}: see `model.json` → `metrics.{name}`")
    lines += [
        "",
        "Before promoting it, run it in shadow (`bastion model shadow VERSION`) and compare it with the live",
        "model on your own decisions (`bastion model compare`, /admin/models).",
        "",
    ]
    return "\n".join(lines)


def _line_costs(metrics: dict[str, Any]) -> list[str]:
    """Per language, out of fold: recall and false positives at the drawn line and at the others tried."""
    costs: dict[str, Any] = metrics.get("line_costs") or {}
    if not costs:
        return []
    lines = ["", "## What a line costs (out of fold; `bastion model lines` moves one)", ""]
    for lang, spec in costs.items():
        lines += [
            f"{lang} ({spec['judged_tvec']} judged TVEC, {sum(spec['negatives'].values())} negatives):",
            "",
            "| line | recall | false positives |",
            "|---|---|---|",
        ]
        for row in spec["lines"]:
            drawn = " (drawn)" if row["drawn"] else ""
            lines.append(f"| {row['line']}{drawn} | {_figure(row['recall'])} | {row['fpr']} |")
        lines.append("")
    return lines


def _lines_set(metrics: dict[str, Any]) -> list[str]:
    """Lines moved after training: from which model, from where to where, when and why."""
    moves: list[dict[str, Any]] = metrics.get("lines_set") or []
    if not moves:
        return []
    lines = [
        "",
        "## Lines moved after training",
        "",
        "| from model | line | from | to | when | why |",
        "|---|---|---|---|---|---|",
    ]
    for move in moves:
        for change in move["changes"]:
            why = " ".join(str(change["reason"]).split()).replace("|", "\\|")  # one table cell, whatever was typed
            moved = f"{change['line']} | {change['from']} | {change['to']}"
            lines.append(f"| {move['from_model']} | {moved} | {change['at']} | {why} |")
    return lines


def _figure(value: object) -> str:
    return "n/a" if value is None else f"{value}"
