"""What only checks writes nothing: `bastion eval` and `bastion scan --dry-run` leave an empty directory empty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROWS = [
    {"id": "d1", "text": "Nice weather for a walk", "label": "benign"},
    {"id": "d2", "text": "join the crimson dawn brigade, brothers", "label": "tvec"},
]


def _run_in(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Bastion with nothing configured: its data directory is the default ./bastion-data of `directory`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
    return subprocess.run(
        [sys.executable, "-m", "bastion", *args], cwd=directory, env=env, capture_output=True, text=True, timeout=180
    )


def _rows_file(tmp_path: Path) -> Path:
    source = tmp_path / "inputs" / "rows.jsonl"
    source.parent.mkdir()
    source.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    return source


def test_eval_in_an_empty_directory_leaves_it_empty(tmp_path: Path) -> None:
    source, empty = _rows_file(tmp_path), tmp_path / "empty"
    empty.mkdir()
    result = _run_in(empty, "eval", "--data", str(source), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n"] == 2
    assert list(empty.iterdir()) == []


def test_scan_dry_run_checks_every_row_and_writes_nothing(tmp_path: Path) -> None:
    source, empty = _rows_file(tmp_path), tmp_path / "empty"
    empty.mkdir()
    result = _run_in(empty, "scan", str(source), "--dry-run")
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [v["id"] for v in verdicts] == ["d1", "d2"]
    assert verdicts[1]["action"] == "review"
    assert list(empty.iterdir()) == []


def test_scan_records_and_says_so(tmp_path: Path) -> None:
    source, empty = _rows_file(tmp_path), tmp_path / "empty"
    empty.mkdir()
    assert "--dry-run" in _run_in(empty, "scan", "--help").stdout
    assert _run_in(empty, "scan", str(source), "-o", str(tmp_path / "out.jsonl")).returncode == 0
    assert (empty / "bastion-data" / "bastion.db").is_file()
