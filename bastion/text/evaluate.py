"""Score a labelled file through the real pipeline: what `bastion scan` would do, counted.

An item counts as flagged when its verdict is `review` or `remove`, so the
figures cover every detector and the policy, not the text model alone.
TVEC recall is taken on rows a person judged (`basis` `text` or `curated`,
or no basis given); rows labelled by account only are reported apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.core import Action, Item
from bastion.pipeline import Pipeline

TVEC = "tvec"
WEAK_BASES = {"account"}
_BATCH = 256


@dataclass(frozen=True)
class Row:
    label: str
    judged: bool
    lang: str
    source: str
    category: str | None
    flagged: bool
    predicted_category: str | None


class LabelledFileError(ValueError):
    """The labelled file cannot be read as the evaluation needs."""


def read_labelled(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise LabelledFileError(f"{path}:{number}: not JSON ({error.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row.get("label"):
                raise LabelledFileError(f"{path}:{number}: a labelled row needs 'text' and 'label'")
            yield number, row


def judge(pipeline: Pipeline, path: Path, progress: Callable[[int], None] = lambda _: None) -> list[Row]:
    """Run every row through the pipeline and keep what was decided."""
    judged: list[Row] = []
    batch: list[tuple[int, dict[str, Any]]] = []
    for entry in read_labelled(path):
        batch.append(entry)
        if len(batch) == _BATCH:
            judged.extend(_judge_batch(pipeline, batch))
            progress(len(judged))
            batch = []
    judged.extend(_judge_batch(pipeline, batch))
    progress(len(judged))
    return judged


def _judge_batch(pipeline: Pipeline, batch: list[tuple[int, dict[str, Any]]]) -> list[Row]:
    items = [Item(id=str(row.get("id") or number), text=row["text"], lang=row.get("lang")) for number, row in batch]
    verdicts = pipeline.check_many(items)
    return [
        Row(
            label=row["label"],
            judged=row.get("basis") not in WEAK_BASES,
            lang=row.get("lang") or verdict.lang or "und",
            source=row.get("source") or "unknown",
            category=row.get("category"),
            flagged=verdict.action is not Action.ALLOW,
            predicted_category=next((c.value for c in verdict.categories if c.is_violating), None),
        )
        for (_, row), verdict in zip(batch, verdicts, strict=True)
    ]


def _rate(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _group(rows: list[Row]) -> dict[str, Any]:
    positives = [r.flagged for r in rows if r.label == TVEC and r.judged]
    negatives = [r.flagged for r in rows if r.label != TVEC]
    return {"n": len(rows), "recall": _rate(positives), "fpr": _rate(negatives)}


def summarise(rows: list[Row], threshold: float | None) -> dict[str, Any]:
    """The one JSON object `bastion eval --json` prints."""
    positives = [r for r in rows if r.label == TVEC and r.judged]
    true_positives = sum(r.flagged for r in positives)
    flagged_negatives = sum(r.flagged for r in rows if r.label != TVEC)
    precision = true_positives / (true_positives + flagged_negatives) if true_positives + flagged_negatives else 0.0
    recall = true_positives / len(positives) if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    labels = sorted({r.label for r in rows} - {TVEC})
    report: dict[str, Any] = {
        "n": len(rows),
        "threshold": threshold,
        "tvec": {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": len(positives),
        },
        "tvec_account_labelled": {
            "n": sum(r.label == TVEC and not r.judged for r in rows),
            "recall": _rate([r.flagged for r in rows if r.label == TVEC and not r.judged]),
        },
        "fpr": {label: _rate([r.flagged for r in rows if r.label == label]) for label in labels},
        "fpr_all": _rate([r.flagged for r in rows if r.label != TVEC]),
        "by_lang": {lang: _group([r for r in rows if r.lang == lang]) for lang in sorted({r.lang for r in rows})},
        "by_source": {s: _group([r for r in rows if r.source == s]) for s in sorted({r.source for r in rows})},
    }
    categories = sorted({r.category for r in positives if r.category})
    if categories:
        report["by_category"] = {
            category: {
                "support": sum(r.category == category for r in positives),
                "recall": _rate([r.flagged for r in positives if r.category == category]),
                "category_accuracy": _rate(
                    [r.predicted_category == category for r in positives if r.category == category and r.flagged]
                ),
            }
            for category in categories
        }
    return report
