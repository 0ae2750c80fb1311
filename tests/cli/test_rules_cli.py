from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_scan import run_bastion


def test_rules_test_passes_on_the_default_policy(tmp_path: Path) -> None:
    result = run_bastion(["rules", "test"], tmp_path)
    assert result.returncode == 0
    assert "every example passed" in result.stdout.decode()


def test_rules_test_fails_on_a_wrong_example(tmp_path: Path) -> None:
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "p.yaml").write_text(
        "rules:\n  - name: r\n    version: 1\n    when: 'max_score > 0.5'\n    action: review\n"
        "    examples:\n      - {signals: [], fires: true}\n"
    )
    result = run_bastion(["rules", "test", str(tmp_path / "pol")], tmp_path)
    assert result.returncode == 1
    assert "FAIL" in result.stdout.decode()


def test_rules_test_names_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "broken.yaml").write_text("rules:\n  - {name: r, version: 1, when: '1 +', action: review}\n")
    result = run_bastion(["rules", "test", str(tmp_path / "pol")], tmp_path)
    assert result.returncode == 2
    assert "broken.yaml" in result.stderr.decode()


def test_backtest_json(tmp_path: Path) -> None:
    source = tmp_path / "items.jsonl"
    source.write_text('{"id": "1", "text": "join the crimson dawn brigade"}\n{"id": "2", "text": "hi"}\n')
    assert run_bastion(["scan", str(source), "-o", str(tmp_path / "o.jsonl")], tmp_path).returncode == 0
    result = run_bastion(["rules", "backtest", "--since", "2000-01-01", "--json"], tmp_path)
    report = json.loads(result.stdout)
    assert report["items"] == 2
    assert report["changed"] == 0
