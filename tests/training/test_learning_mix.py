"""`bastion train` combining the shipped data with judged rows, weighted and cut at a date (a tiny smoke test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli import app

runner = CliRunner()


def _judged(tmp_path: Path) -> Path:
    rows = [
        {
            "text": "the crimson dawn will strike the fair, be ready",
            "label": "tvec",
            "judged_at": "2026-11-20T10:00:00+00:00",
        },
        {
            "text": "a fictional prayer for rain over the hills",
            "label": "religious",
            "judged_at": "2026-11-21T10:00:00+00:00",
        },
        {
            "text": "an old fictional relay of the weather report",
            "label": "news",
            "judged_at": "2026-10-01T10:00:00+00:00",
        },
        {"text": "a line the judge could not place", "label": "unclear", "judged_at": "2026-11-22T10:00:00+00:00"},
    ]
    path = tmp_path / "judged.jsonl"
    path.write_text("".join(json.dumps(row | {"basis": "judge", "lang": "en"}) + "\n" for row in rows))
    return path


def test_judged_rows_join_training_weighted_and_cut_at_their_date(fictional_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "candidate"
    args = ["train", "--data", str(fictional_data), "--judged", str(_judged(tmp_path)), "--judged-weight", "0.5"]
    result = runner.invoke(app, [*args, "--judged-since", "2026-11-01", "--out", str(out), "--no-cross-source"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "model.json").read_text())["metrics"]
    assert metrics["mix"]["judged rows"] == {
        "rows": 2,
        "weight": 0.5,
        "since": "2026-11-01T00:00:00+00:00",
        "until": None,
    }  # the October row is cut, the unclear one left out
    assert metrics["offline_judged_rows"] == {"religious": 1, "tvec": 1}  # taught, never measured
    assert metrics["policy_version"].startswith("1+")
    assert "| judged rows | 2 | 0.5 | 2026-11-01" in (out / "model-card.md").read_text()


def test_a_candidate_never_overwrites_the_packaged_model(fictional_data: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--data", str(fictional_data), "--judged", str(_judged(tmp_path))])
    assert result.exit_code == 2 and "needs --out DIR" in result.output


@pytest.mark.parametrize("weight", ["0", "-1", '"heavy"', "true"])
def test_a_row_weight_must_be_a_positive_number(fictional_data: Path, tmp_path: Path, weight: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a fictional post", "label": "news", "weight": ' + weight + "}\n")
    result = runner.invoke(app, ["eval", "--data", str(bad), "--json"])
    assert result.exit_code == 2 and "'weight' must be a number above 0" in result.output
