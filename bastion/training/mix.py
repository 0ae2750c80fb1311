"""The data a candidate learns from, beyond the shipped data: judged rows and the platform's own decisions.

Each part is cut to its dates and given its weight, then written as a labelled
file training reads like any other (`weight` per row). The mix, with counts,
weights and cut-offs, is recorded in the model's figures and on its card.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bastion.text.labels import LABELS
from bastion.training.labelled import LabelledFileError


@dataclass(frozen=True)
class Part:
    name: str
    rows: list[dict[str, Any]]
    weight: float
    since: datetime | None = None
    until: datetime | None = None

    def note(self) -> dict[str, Any]:
        return {
            "rows": len(self.rows),
            "weight": self.weight,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def judged_part(paths: Sequence[Path], weight: float, since: datetime | None = None) -> Part:
    """Rows `bastion judge` wrote, judged at or after `since`; `unclear` rows leave training."""
    rows = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = _judged(line, f"{path}:{number}")
            if row["label"] in LABELS and _within(row.get("judged_at"), since, None):
                rows.append({**row, "weight": weight})
    return Part("judged rows", rows, weight, since)


def decisions_part(
    rows: Sequence[dict[str, Any]], weight: float, since: datetime | None = None, until: datetime | None = None
) -> Part:
    """People's decisions as labelled rows (`bastion.learning.labels.decision_rows`), at this weight."""
    return Part("platform decisions", [{**row, "weight": weight} for row in rows], weight, since, until)


def write_parts(parts: Sequence[Part], directory: Path) -> tuple[list[Path], dict[str, Any]]:
    """Each non-empty part as a labelled file in `directory`; the mix to record with the model."""
    files = []
    for number, part in enumerate(parts):
        if part.rows:
            path = directory / f"part-{number}.jsonl"
            path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in part.rows), encoding="utf-8")
            files.append(path)
    return files, {part.name: part.note() for part in parts}


def _judged(line: str, where: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        raise LabelledFileError(f"{where}: not JSON") from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not isinstance(row.get("label"), str):
        raise LabelledFileError(f"{where}: a judged row needs 'text' and 'label' (bastion judge writes them)")
    return row


def _within(moment: object, since: datetime | None, until: datetime | None) -> bool:
    if since is None and until is None:
        return True
    try:
        when = datetime.fromisoformat(str(moment))
    except ValueError:
        return False  # undated rows cannot be placed inside a cut-off
    return (since is None or when >= since) and (until is None or when < until)
