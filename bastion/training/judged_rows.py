"""Labels an offline judge gave, by reading them, to rows the data labels only by account.

Most `basis: account` rows are news relays and chatter posted by supporters;
their label says who posted, not what the text says. `judged-rows.jsonl`
holds, for such rows of the shared data, the label a reader gave each text
under `judge-guideline.md` (an LLM used offline, never at run time). Each
entry names the row by id and by a digest of its text, never the text: a row
whose text differs from the one judged keeps its account label.

Judged rows teach both tiers as a person's label would, but no figure is
measured on them: recall and false positives are counted on rows a person
judged, as the held-out set counts them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.training.labelled import WEAK_BASES, LabelledFileError

JUDGED_ROWS = Path(__file__).resolve().parents[1] / "data" / "text" / "judged-rows.jsonl"
JUDGE_BASIS = "judge"
UNCLEAR = "unclear"  # the judge could not tell: the row leaves training, as a teacher's reject does


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Judgement:
    label: str
    digest: str


def load_judgements(path: Path | None = None) -> dict[str, Judgement]:
    path = path or JUDGED_ROWS  # read at call time, so a test can point it elsewhere
    judgements = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            entry = _entry(line)
            if entry is None:
                raise LabelledFileError(f"{path}:{number}: an entry is a JSON object with id, label and text_sha256")
            judgements[str(entry["id"])] = Judgement(str(entry["label"]), str(entry["text_sha256"]))
    return judgements


def _entry(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None
    return entry if isinstance(entry, dict) and {"id", "label", "text_sha256"} <= entry.keys() else None


def with_judgements(rows: list[dict[str, Any]], judgements: Mapping[str, Judgement]) -> list[dict[str, Any]]:
    """Account-labelled rows the judge read, under its label (rows it found unclear left out);
    every other row as it was."""
    out = []
    for row in rows:
        judged = judgements.get(str(row.get("id")))
        if judged is None or row.get("basis") not in WEAK_BASES or judged.digest != text_digest(str(row["text"])):
            out.append(row)
        elif judged.label != UNCLEAR:
            out.append(row | {"label": judged.label, "basis": JUDGE_BASIS})
    return out
