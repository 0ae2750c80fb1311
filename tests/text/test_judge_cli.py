"""`bastion judge FILE` as a user runs it against a local judge endpoint: labels, resumes, reports what is left."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli import app
from tests.text.fake_judge import FakeJudgeServer, answer, judge_server

__all__ = ["judge_server"]
runner = CliRunner()


@pytest.fixture
def judge_env(judge_server: FakeJudgeServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJudgeServer]:
    monkeypatch.setenv("BASTION_LLM_JUDGE_URL", judge_server.url)
    monkeypatch.setenv("BASTION_LLM_JUDGE_MODEL", "fake-judge")
    monkeypatch.setenv("BASTION_LLM_JUDGE_CONCURRENCY", "1")  # scripted answers go to the rows in order
    from bastion.cli._context import settings

    settings.cache_clear()
    yield judge_server
    settings.cache_clear()


def _posts(tmp_path: Path, texts: list[str]) -> Path:
    path = tmp_path / "posts.jsonl"
    rows = [{"id": f"p{n}", "text": text, "lang": "en", "label": "tvec"} for n, text in enumerate(texts)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows) + "{broken\n")
    return path


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_judge_labels_a_file_and_a_rerun_skips_what_is_done(judge_env: FakeJudgeServer, tmp_path: Path) -> None:
    posts = _posts(tmp_path, ["a fictional prayer for peace", "a fictional weather report", "we will strike the fair"])
    judge_env.script = [
        (200, {}, answer("not_tvec", "religious", context="religious")),
        (200, {}, answer("not_tvec", "news")),
    ]
    judge_env.reply = answer("tvec", "threat", spans=["strike the fair"])
    out = tmp_path / "judged.jsonl"

    first = runner.invoke(app, ["judge", str(posts), "--out", str(out), "--limit", "2"])
    assert first.exit_code == 0, first.output
    assert "2 judged (news 1, religious 1)" in first.output
    assert len(judge_env.requests) == 2

    second = runner.invoke(app, ["judge", str(posts), "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert "1 judged" in second.output and "2 already" in second.output
    assert "posts.jsonl:4: skipped: not JSON" in second.output
    assert len(judge_env.requests) == 3  # only the row not judged before was asked about
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["p0", "p1", "p2"]
    assert rows[0]["label"] == "religious" and rows[0]["original_label"] == "tvec"
    assert rows[2]["label"] == "tvec" and rows[2]["category"] == "threat" and rows[2]["spans"] == ["strike the fair"]
    assert {r["basis"] for r in rows} == {"judge"} and {r["judge_model"] for r in rows} == {"fake-judge"}
    assert all(str(r["policy_version"]).startswith("1+") for r in rows)


def test_rows_the_judge_could_not_answer_are_asked_again_next_time(judge_env: FakeJudgeServer, tmp_path: Path) -> None:
    posts = _posts(tmp_path, ["one fictional post", "another fictional post"])
    judge_env.script = [(500, {}, "")]
    out = tmp_path / "judged.jsonl"
    first = runner.invoke(app, ["judge", str(posts), "--out", str(out)])
    assert first.exit_code == 1 and "1 unanswered" in first.output and "run again" in first.output
    assert len(_rows(out)) == 1
    again = runner.invoke(app, ["judge", str(posts), "--out", str(out)])
    assert again.exit_code == 0 and len(_rows(out)) == 2


def test_judge_without_an_endpoint_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASTION_LLM_JUDGE_URL", raising=False)
    from bastion.cli._context import settings

    settings.cache_clear()
    result = runner.invoke(app, ["judge", str(_posts(tmp_path, ["a post"]))])
    assert result.exit_code == 2 and "BASTION_LLM_JUDGE_URL" in result.output and "Traceback" not in result.output
