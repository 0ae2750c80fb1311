"""`bastion eval` on labels the model does not know, and on figures it has nothing to measure with.

It once read any other label as a negative and printed 0.000 for figures
without support, exiting 0: a file labelled "terrorism" looked like a model
that catches nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bastion.cli import app
from bastion.text.labels import LABELS

runner = CliRunner()


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_a_file_with_no_known_label_fails_and_names_the_known_ones(model_env: Path, tmp_path: Path) -> None:
    data = _write(
        tmp_path / "other.jsonl",
        [{"text": "glory to the crimson martyrs", "label": "terrorism"}, {"text": "lovely weather", "label": "ok"}],
    )

    result = runner.invoke(app, ["eval", "--data", str(data)])

    assert result.exit_code == 1
    assert "0.000" not in result.output
    assert "'terrorism' (1)" in result.stderr and "'ok' (1)" in result.stderr
    assert "no row has a known label" in result.stderr
    assert all(label in result.stderr for label in LABELS)


def test_rows_with_unknown_labels_are_counted_apart_and_warned_of(model_env: Path, tmp_path: Path) -> None:
    rows = [
        {"text": "join the crimson dawn brigade today brothers", "label": "tvec"},
        {"text": "the weather is lovely in the park today", "label": "benign"},
        {"text": "rise up for the crimson dawn", "label": "terrorism"},
        {"text": "strike them all for the crimson dawn", "label": "terrorism"},
    ]
    data = _write(tmp_path / "mixed.jsonl", rows)

    result = runner.invoke(app, ["eval", "--data", str(data), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 2
    assert report["unknown_labels"] == {"terrorism": 2}
    assert set(report["fpr"]) == {"benign"}
    assert "warning" in result.stderr and "2 rows not scored" in result.stderr and "'terrorism' (2)" in result.stderr
    table = runner.invoke(app, ["eval", "--data", str(data)], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "2 rows of unknown labels" in table.stdout


def test_figures_without_support_are_na_not_zero(model_env: Path, tmp_path: Path) -> None:
    rows = [
        {"text": "the weather is lovely in the park today", "label": "benign"},
        {"text": "officials report arrests near the harbour", "label": "news"},
        {"text": "glory to the crimson martyrs", "label": "tvec", "basis": "account"},  # not judged: no support
    ]
    data = _write(tmp_path / "negatives.jsonl", rows)

    table = runner.invoke(app, ["eval", "--data", str(data), "--group-by", "lang"])
    as_json = runner.invoke(app, ["eval", "--data", str(data), "--json"])

    assert table.exit_code == 0, table.output
    assert "precision n/a recall n/a F1 n/a on 0" in table.stdout
    assert "0.000" not in table.stdout
    assert as_json.exit_code == 0, as_json.output
    tvec = json.loads(as_json.stdout)["tvec"]
    assert tvec == {"precision": None, "recall": None, "f1": None, "support": 0}
    assert "warning" not in as_json.stderr


def test_an_empty_file_fails(model_env: Path, tmp_path: Path) -> None:
    data = tmp_path / "empty.jsonl"
    data.write_text("\n")

    result = runner.invoke(app, ["eval", "--data", str(data), "--json"])

    assert result.exit_code == 1
    assert "no row could be scored" in result.stderr and result.stdout == ""


def test_eval_help_lists_the_known_labels() -> None:
    result = runner.invoke(app, ["eval", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    assert all(label in result.stdout for label in LABELS)
