"""Score a labelled file through the real pipeline: what `bastion scan` would do, counted.

An item counts as flagged when its verdict is `review` or `remove`, so the
figures cover every detector and the policy, not the text model alone.
TVEC recall is taken on rows a person judged (`basis` `text` or `curated`,
or no basis given); rows labelled by account only are reported apart. A
row Bastion refuses to check (a text over the size limit) is counted under
`refused` with its line and reason, not scored, so one outsized post cannot
stop an evaluation; a row that is not a labelled text stops it, named.

Only the model's labels (`bastion.text.labels.LABELS`) are scored. A row
with any other label is counted under `unknown_labels`, never scored: a
"terrorism" row read as a negative would turn every catch into a false
positive. A figure with nothing to measure it on (recall without judged
TVEC rows) is None, never 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bastion.core import Action, ContentError, Item
from bastion.detectors.base import Content
from bastion.pipeline import Pipeline
from bastion.text.labels import LABELS
from bastion.training.labelled import WEAK_BASES, read_labelled

TVEC = "tvec"
_BATCH = 256
_REFUSED_LISTED = 20


@dataclass(frozen=True)
class Row:
    label: str
    judged: bool
    lang: str
    source: str
    category: str | None
    flagged: bool
    predicted_category: str | None


@dataclass(frozen=True)
class Refused:
    """A well-formed row that Bastion would not check (e.g. a text over the size limit): counted, not scored."""

    line: int
    reason: str


@dataclass
class Judged:
    rows: list[Row]
    refused: list[Refused]
    unknown_labels: Counter[str] = field(default_factory=Counter)  # label → rows not scored for it


def judge(pipeline: Pipeline, path: Path, progress: Callable[[int], None] = lambda _: None) -> Judged:
    """Run every row with a known label through the pipeline and keep what was decided; count the rest."""
    judged = Judged([], [])
    batch: list[tuple[int, dict[str, Any]]] = []
    for entry in read_labelled(path):
        if entry[1]["label"] not in LABELS:
            judged.unknown_labels[entry[1]["label"]] += 1
            continue
        batch.append(entry)
        if len(batch) == _BATCH:
            _judge_batch(pipeline, batch, judged)
            progress(len(judged.rows))
            batch = []
    _judge_batch(pipeline, batch, judged)
    progress(len(judged.rows))
    return judged


def _judge_batch(pipeline: Pipeline, batch: list[tuple[int, dict[str, Any]]], judged: Judged) -> None:
    accepted: list[tuple[dict[str, Any], Content]] = []
    for number, row in batch:
        try:
            content = pipeline.prepare(Item(id=f"line-{number}", text=row["text"], lang=row.get("lang")))
        except ContentError as error:
            judged.refused.append(Refused(number, str(error)))
            continue
        accepted.append((row, content))
    verdicts = pipeline.decide_many([content for _, content in accepted])
    judged.rows.extend(
        Row(
            label=row["label"],
            judged=row.get("basis") not in WEAK_BASES,
            lang=row.get("lang") or verdict.lang or "und",
            source=row.get("source") or "unknown",
            category=row.get("category"),
            flagged=verdict.action is not Action.ALLOW,
            predicted_category=next((c.value for c in verdict.categories if c.is_violating), None),
        )
        for (row, _), verdict in zip(accepted, verdicts, strict=True)
    )


def _rate(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _group(rows: list[Row]) -> dict[str, Any]:
    positives = [r.flagged for r in rows if r.label == TVEC and r.judged]
    negatives = [r.flagged for r in rows if r.label != TVEC]
    return {"n": len(rows), "recall": _rate(positives), "fpr": _rate(negatives)}


def summarise(judged: Judged, threshold_for: Callable[[str | None], float]) -> dict[str, Any]:
    """The one JSON object `bastion eval --json` prints. `threshold` is the line for languages without
    their own; `threshold_by_lang` the line each language in the file was judged at."""
    rows = judged.rows
    langs = sorted({r.lang for r in rows})
    labels = sorted({r.label for r in rows} - {TVEC})
    report: dict[str, Any] = {
        "n": len(rows),
        "threshold": threshold_for(None),
        "threshold_by_lang": {lang: round(threshold_for(lang), 6) for lang in langs},
        "tvec": tvec_figures(rows),
        "tvec_account_labelled": {
            "n": sum(r.label == TVEC and not r.judged for r in rows),
            "recall": _rate([r.flagged for r in rows if r.label == TVEC and not r.judged]),
        },
        "fpr": {label: _rate([r.flagged for r in rows if r.label == label]) for label in labels},
        "fpr_all": _rate([r.flagged for r in rows if r.label != TVEC]),
        "by_lang": {lang: _group([r for r in rows if r.lang == lang]) for lang in langs},
        "by_source": {s: _group([r for r in rows if r.source == s]) for s in sorted({r.source for r in rows})},
        "refused": {
            "n": len(judged.refused),
            "rows": [{"line": r.line, "reason": r.reason} for r in judged.refused[:_REFUSED_LISTED]],
        },
        "unknown_labels": dict(sorted(judged.unknown_labels.items())),
    }
    by_category = _by_category([r for r in rows if r.label == TVEC and r.judged])
    return report | ({"by_category": by_category} if by_category else {})


def tvec_figures(rows: list[Row]) -> dict[str, float | int | None]:
    """Precision, recall and F1 on TVEC a person judged. Without such rows none of them means anything
    (None, not 0); precision needs something flagged as well."""
    positives = [r for r in rows if r.label == TVEC and r.judged]
    caught = sum(r.flagged for r in positives)
    false_alarms = sum(r.flagged for r in rows if r.label != TVEC)
    if not positives:
        return {"precision": None, "recall": None, "f1": None, "support": 0}
    missed = len(positives) - caught
    return {
        "precision": round(caught / (caught + false_alarms), 4) if caught + false_alarms else None,
        "recall": round(caught / len(positives), 4),
        "f1": round(2 * caught / (2 * caught + false_alarms + missed), 4),
        "support": len(positives),
    }


def _by_category(positives: list[Row]) -> dict[str, dict[str, float | int | None]]:
    """Recall per category a person gave, and how often a caught text was put in that category."""
    return {
        category: {
            "support": sum(r.category == category for r in positives),
            "recall": _rate([r.flagged for r in positives if r.category == category]),
            "category_accuracy": _rate(
                [r.predicted_category == category for r in positives if r.category == category and r.flagged]
            ),
        }
        for category in sorted({r.category for r in positives if r.category})
    }
