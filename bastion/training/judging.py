"""`bastion judge FILE`: label any JSONL of posts with the judge tier, offline, resumably.

Each row needs a `text`; its other fields (id, lang, source...) are kept. The
output gains the judge's reading as a labelled row training can learn from
(`bastion train --judged OUT`): `label` (a model class, or `unclear`, which
training leaves out), `category`, `protected_context`, `spans`, `rationale`,
`basis: judge`, and the `policy_version` and `judge_model` it was judged
under. Rows are written as each batch comes back, so an interrupted run loses
at most one batch; re-running skips every text already in the output under
the same policy version and judge model, and asks again about the ones the
judge could not answer (unavailable, over budget), which are not written.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bastion.text.judge.client import Judge, Judgement, text_digest
from bastion.training.labelled import LabelledFileError
from bastion.wire import MalformedJSON, loads, without_surrogates

BATCH = 32


@dataclass
class JudgingRun:
    judged: int = 0
    already: int = 0  # in the output from an earlier run
    unanswered: int = 0  # unavailable or over budget: asked again on the next run
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why) of rows that are not posts
    labels: dict[str, int] = field(default_factory=dict)


def judge_file(
    judge: Judge, source: Path, out: Path, limit: int | None = None, progress: Callable[[str], None] = lambda _: None
) -> JudgingRun:
    run = JudgingRun()
    policy = judge.policy()
    done = _already_judged(out, policy.version, judge.model)
    pending: list[dict[str, Any]] = []
    with out.open("a", encoding="utf-8") as written:
        for row in _posts(source, run):
            if text_digest(row["text"]) in done:
                run.already += 1
                continue
            if limit is not None and run.judged + run.unanswered + len(pending) >= limit:
                break
            pending.append(row)
            if len(pending) == BATCH:
                _flush(judge, pending, written, run, done)
                progress(f"{run.judged} judged, {run.already} already in {out}, {run.unanswered} unanswered")
        _flush(judge, pending, written, run, done)
    return run


def _flush(judge: Judge, rows: list[dict[str, Any]], written: Any, run: JudgingRun, done: set[str]) -> None:
    if not rows:
        return
    judgements = asyncio.run(judge.judge_many([(row["text"], row.get("lang")) for row in rows]))
    for row, judgement in zip(rows, judgements, strict=True):
        if judgement.status in ("unavailable", "over_budget"):
            run.unanswered += 1
            continue
        labelled = judged_row(row, judgement)
        written.write(json.dumps(labelled, ensure_ascii=False) + "\n")
        done.add(text_digest(row["text"]))
        run.judged += 1
        run.labels[labelled["label"]] = run.labels.get(labelled["label"], 0) + 1
    written.flush()
    rows.clear()


def judged_row(row: dict[str, Any], judgement: Judgement) -> dict[str, Any]:
    """The post with the judge's reading; an answer outside the schema twice is `unclear`."""
    answer = judgement.answer
    reading: dict[str, Any] = {
        "label": answer.training_label() if answer else "unclear",
        "category": answer.category.value if answer else None,
        "protected_context": answer.protected_context if answer else None,
        "spans": answer.spans if answer else [],
        "rationale": answer.rationale if answer else judgement.reason,
        "judge_status": judgement.status,
    }
    return {
        **row,
        **reading,
        "original_label": row.get("label"),
        "basis": "judge",
        "policy_version": judgement.policy_version,
        "judge_model": judgement.model,
        "judged_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _already_judged(out: Path, policy_version: str, model: str) -> set[str]:
    """Digests of the texts the output already holds a reading of, under this policy and judge model."""
    if not out.exists():
        return set()
    done = set()
    for line in out.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by an interrupted run: judged again
        if isinstance(row, dict) and row.get("policy_version") == policy_version and row.get("judge_model") == model:
            done.add(text_digest(str(row.get("text", ""))))
    return done


def _posts(source: Path, run: JudgingRun) -> Iterator[dict[str, Any]]:
    with source.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise LabelledFileError(f"{source}:{number}: not UTF-8 text") from None
            if not text.strip():
                continue
            try:
                row = without_surrogates(loads(text))
            except MalformedJSON as error:
                run.skipped.append((number, f"not JSON ({error})"))
                continue
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
                run.skipped.append((number, "a row needs a non-empty 'text'"))
                continue
            yield row
