"""`bastion train` and `bastion eval` as a user runs them (a tiny training smoke test, never a full run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli import app
from bastion.text.model import LABELS
from bastion.training.corpus import read_corpus
from bastion.training.written import written_examples

runner = CliRunner()


def test_train_writes_a_model_with_its_figures(fictional_data: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["train", "--data", str(fictional_data), "--out", str(tmp_path / "m"), "--no-cross-source"]
    )
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert set(meta["thresholds"]) >= {"*"}
    assert meta["metrics"]["5_fold"]["cascade"]["recall_judged_tvec"] is not None
    assert (tmp_path / "m" / "weights.npz").stat().st_size < 10_000_000
    assert meta["metrics"]["written_examples"] == 0
    assert meta["deep_faith_neutral"] is True, "a model trained now reads each text faith-neutral"


def test_train_can_learn_from_the_written_examples_too(fictional_data: Path, tmp_path: Path) -> None:
    args = ["train", "--data", str(fictional_data), "--out", str(tmp_path / "m"), "--no-cross-source"]
    result = runner.invoke(app, [*args, "--written-examples"])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["metrics"]["written_examples"] >= len(written_examples())


def test_a_judged_label_from_another_file_replaces_an_account_label(fictional_data: Path, tmp_path: Path) -> None:
    weak = {"text": "RT @user: a fictional relay of the river town weather report URL", "lang": "en"}
    (tmp_path / "weak.jsonl").write_text(
        json.dumps({**weak, "label": "tvec", "basis": "account", "source": "fiction-relays"}) + "\n"
    )
    judged = {  # the same tweet as another collection exported it
        "text": "RT : a fictional relay of the river town weather report",
        "lang": "en",
        "label": "news",
        "basis": "text",
        "source": "fiction-judges",
        "collection": "fiction-relays",
    }
    (tmp_path / "judged.jsonl").write_text(json.dumps(judged) + "\n")
    files = [fictional_data, tmp_path / "weak.jsonl", tmp_path / "judged.jsonl"]
    corpus = read_corpus(files)
    relabelled = [i for i, text in enumerate(corpus.texts) if "river town weather" in text]
    assert [(LABELS[corpus.labels[i]], corpus.collections[i]) for i in relabelled] == [("news", "fiction-relays")]
    args = ["train", "--data", str(files[0]), "--also", str(files[1]), "--also", str(files[2])]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "m"), "--no-cross-source"])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert set(meta["metrics"]["data"]) == {path.name for path in files}
    assert meta["metrics"]["rows_by_source"]["fiction-judges"] == 1
    assert "fiction-relays" not in meta["metrics"]["rows_by_source"]


def test_eval_json_has_the_documented_shape(model_env: Path, fictional_data: Path) -> None:
    result = runner.invoke(app, ["eval", "--data", str(fictional_data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == sum(1 for _ in fictional_data.open())
    assert set(report["tvec"]) == {"precision", "recall", "f1", "support"}
    assert set(report["fpr"]) == {"news", "counter_speech", "religious", "benign"}
    assert report["tvec"]["recall"] > 0.8  # scored on its own training data: plumbing, not quality
    assert set(report["by_lang"]["en"]) == {"recall", "fpr", "n"}
    assert report["threshold_by_lang"] == {"en": round(report["threshold"], 6)}
    assert "fiction-news" in report["by_source"]


def test_eval_table_groups_by_source(model_env: Path, fictional_data: Path) -> None:
    result = runner.invoke(app, ["eval", "--data", str(fictional_data), "--group-by", "source"])
    assert result.exit_code == 0, result.output
    assert "fiction-religious" in result.stdout
    assert "False positives by label" in result.stdout


def test_eval_names_the_bad_line(model_env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "label": "benign"}\n{not json\n')
    result = runner.invoke(app, ["eval", "--data", str(bad), "--json"])
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.output


@pytest.mark.parametrize(("name", "message"), [(".", "is a directory"), ("missing.jsonl", "no such file")])
def test_eval_says_why_it_cannot_read_the_data(model_env: Path, tmp_path: Path, name: str, message: str) -> None:
    result = runner.invoke(app, ["eval", "--data", str(tmp_path / name), "--json"])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_eval_counts_a_row_bastion_refuses_instead_of_stopping(
    model_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_MAX_TEXT_CHARS", "40")
    from bastion.cli._context import settings

    settings.cache_clear()
    data = tmp_path / "long.jsonl"
    rows = [{"text": "a short fictional post", "label": "benign"}, {"text": "word " * 20, "label": "news"}]
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))

    result = runner.invoke(app, ["eval", "--data", str(data), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 1 and set(report["fpr"]) == {"benign"}
    assert report["refused"]["n"] == 1
    assert report["refused"]["rows"][0]["line"] == 2
    assert "limit is 40" in report["refused"]["rows"][0]["reason"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"text": "fine", "label": 3}', "'label' must be a non-empty string"),
        (b'{"text": "fine", "label": "news", "lang": ["en"]}', "'lang' must be a string or null"),
        (b'{"text": "fine", "label": "news", "lang": "not-a-language-tag-at-all"}', "'lang' is not a language tag"),
        (b'{"text": "caf\xe9", "label": "news"}', "not UTF-8"),
        (b'{"text": "fine", "label": "news", "m": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested too deeply"),
    ],
)
def test_eval_names_a_wrongly_typed_row(model_env: Path, tmp_path: Path, line: bytes, message: str) -> None:
    bad = tmp_path / "typed.jsonl"
    bad.write_bytes(b'{"text": "fine", "label": "benign"}\n' + line + b"\n")

    result = runner.invoke(app, ["eval", "--data", str(bad), "--json"])

    assert result.exit_code == 2
    assert "typed.jsonl:2" in result.output and message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "fine", "label": "benign"}\n{not json\n', "bad.jsonl:2"),
        ('{"text": "only one kind of row", "label": "benign"}\n', "needs rows a person judged TVEC"),
    ],
)
def test_train_refuses_a_bad_file_with_its_reason(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    result = runner.invoke(app, ["train", "--data", str(bad), "--out", str(tmp_path / "m"), "--no-cross-source"])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_eval_scores_a_post_cut_in_half_an_emoji(model_env: Path, tmp_path: Path) -> None:
    data = tmp_path / "cut.jsonl"
    data.write_bytes(b'{"text": "a fictional post cut short \\ud83d", "label": "benign", "lang": "en"}\n')

    result = runner.invoke(app, ["eval", "--data", str(data), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 1


def test_eval_reads_a_file_that_begins_with_a_bom(model_env: Path, tmp_path: Path) -> None:
    data = tmp_path / "bom.jsonl"
    data.write_bytes(b"\xef\xbb\xbf" + b'{"text": "a fictional post", "label": "benign"}\n')

    result = runner.invoke(app, ["eval", "--data", str(data), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 1


def test_train_names_the_rows_it_leaves_out_for_labels_that_are_no_class(fictional_data: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.jsonl"
    odd.write_text(
        "".join(json.dumps({"text": f"a fictional row {n}", "label": "spam", "source": "odd"}) + "\n" for n in range(3))
    )
    corpus = read_corpus([fictional_data, odd])
    assert corpus.unknown_labels == {"spam": 3}
    assert not any("fictional row" in text for text in corpus.texts)
