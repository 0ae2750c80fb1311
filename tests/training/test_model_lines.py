"""What a line costs (recorded at training) and `bastion model lines`: a candidate with some lines moved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bastion.cli import app
from bastion.text.model import LABELS, TextModel
from bastion.training.corpus import Corpus
from bastion.training.line_costs import line_costs
from bastion.training.thresholds import threshold_for_fpr

runner = CliRunner()


def _corpus(negatives: int, tvec: int, lang: str = "en") -> Corpus:
    n = negatives + tvec
    labels = np.array(
        [LABELS.index("news")] * (negatives // 2) + [LABELS.index("benign")] * (negatives - negatives // 2)
    )
    labels = np.concatenate([labels, np.full(tvec, LABELS.index("tvec"))])
    texts = [f"fictional post {i}" for i in range(n)]
    return Corpus(
        texts=texts,
        originals=texts,
        labels=labels,
        strong=np.ones(n, dtype=bool),
        measured=np.ones(n, dtype=bool),
        collections=np.array(["fiction"] * n),
        sources=np.array(["fiction"] * n),
        langs=np.array([lang] * n),
        ids=[str(i) for i in range(n)],
    )


def test_each_line_says_what_it_catches_and_what_it_flags_wrongly() -> None:
    corpus = _corpus(negatives=1_000, tvec=100)
    rng = np.random.default_rng(3)
    scores = np.concatenate([rng.beta(1, 6, 1_000), rng.beta(4, 2, 100)])
    drawn = threshold_for_fpr(scores, corpus.negatives)
    costs = line_costs(scores, corpus, {"*": drawn, "en": drawn}, None)["en"]
    assert costs["judged_tvec"] == 100
    assert costs["negatives"]["news"] == 500
    lines = costs["lines"]
    assert [row["line"] for row in lines] == sorted(row["line"] for row in lines)
    assert [row["line"] for row in lines if row["drawn"]] == [round(drawn, 4)]
    recall = [row["recall"] for row in lines]
    fpr = [row["fpr"] for row in lines]
    assert recall == sorted(recall, reverse=True) and recall[0] > recall[-1], "a stricter line catches less"
    assert fpr == sorted(fpr, reverse=True) and fpr[-1] <= 0.001
    assert set(lines[0]["fpr_by_label"]) == {"news", "benign"}


def test_a_language_with_too_few_negatives_to_tell_has_no_costs() -> None:
    corpus = _corpus(negatives=150, tvec=20, lang="xx")
    scores = np.linspace(0, 1, len(corpus.texts))
    assert line_costs(scores, corpus, {"*": 0.5, "xx": 0.6}, None) == {}


@pytest.fixture
def model_copy(fictional_model_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(fictional_model_dir, tmp_path / "live"))


def test_moving_a_line_writes_a_renamed_candidate_and_leaves_the_model_in_use(model_copy: Path, tmp_path: Path) -> None:
    before = TextModel.load(model_copy)
    raised = round(before.thresholds["*"] + (1 - before.thresholds["*"]) / 2, 4)
    out = tmp_path / "stricter"
    args = ["model", "lines", str(model_copy), "--set", f"*={raised}", "--set", f"en={raised}"]
    result = runner.invoke(app, [*args, "--reason", "our users argue about the fictional brigade", "--out", str(out)])
    assert result.exit_code == 0, result.output
    moved = TextModel.load(out)
    assert moved.version != before.version
    assert moved.threshold_for("en") == raised and moved.threshold_for("so") == raised
    assert np.array_equal(moved.fast.coef, before.fast.coef), "the same heads: only the lines moved"
    record = json.loads((out / "model.json").read_text())["metrics"]["lines_set"]
    assert record[0]["from_model"] == before.version
    assert {c["line"] for c in record[0]["changes"]} == {"*", "en"}
    assert all(c["reason"] == "our users argue about the fictional brigade" for c in record[0]["changes"])
    assert "our users argue about the fictional brigade" in (out / "model-card.md").read_text()
    assert TextModel.load(model_copy).version == before.version


@pytest.mark.parametrize(
    ("sets", "extra", "message"),
    [
        (["en=0.0001"], ["--reason", "r"], "under the reference line"),
        (["*Arab=0.9"], ["--reason", "r"], "drawn from its languages' lines"),
        (["en=high"], ["--reason", "r"], "expected LANG=LINE"),
        (["en"], ["--reason", "r"], "expected LANG=LINE"),
        (["en=1.5"], ["--reason", "r"], "at most 1"),
        (["English=0.9"], ["--reason", "r"], "is not a line"),
        (["route:fr=0.9"], ["--reason", "r"], "is not a line"),
        (["en=0.99"], [], "say why the lines move"),
    ],
)
def test_a_line_that_cannot_be_set_is_refused_with_its_reason(
    model_copy: Path, tmp_path: Path, sets: list[str], extra: list[str], message: str
) -> None:
    args = ["model", "lines", str(model_copy), *[a for s in sets for a in ("--set", s)], *extra]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_moving_a_line_never_writes_over_a_model(model_copy: Path, tmp_path: Path) -> None:
    args = ["model", "lines", str(model_copy), "--set", "en=0.99", "--reason", "r"]
    assert "--out" in runner.invoke(app, args).output
    other = Path(shutil.copytree(model_copy, tmp_path / "other"))
    before = (other / "model.json").read_bytes()
    for target in (model_copy, other):
        result = runner.invoke(app, [*args, "--out", str(target)])
        assert result.exit_code != 0 and "not empty" in result.output
    assert (other / "model.json").read_bytes() == before


@pytest.fixture
def english_reference(model_copy: Path) -> Path:
    """The fictional model with the shipped model's shape of lines: English draws the reference, Persian (outside
    the route, in Arabic script) has a line over it."""
    meta = json.loads((model_copy / "model.json").read_text())
    meta["thresholds"] = {"*": 0.3, "en": 0.3, "fa": 0.8, "*Arab": 0.8}
    (model_copy / "model.json").write_text(json.dumps(meta))
    return model_copy


def _set(model: Path, out: Path, *sets: str) -> tuple[int, str]:
    args = ["model", "lines", str(model), *[a for s in sets for a in ("--set", s)], "--reason", "r", "--out", str(out)]
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def test_the_language_that_drew_the_reference_line_moves_it_with_it(english_reference: Path, tmp_path: Path) -> None:
    code, output = _set(english_reference, tmp_path / "a", "en=0.5")
    assert code != 0 and "move * with it" in output, "the languages without a line would be judged more strictly"
    code, output = _set(english_reference, tmp_path / "b", "en=0.5", "*=0.5")
    assert code == 0, output
    assert TextModel.load(tmp_path / "b").threshold_for("sv") == 0.5


def test_a_language_over_the_reference_may_move_and_its_script_follows_on_record(
    english_reference: Path, tmp_path: Path
) -> None:
    code, output = _set(english_reference, tmp_path / "a", "fa=0.5")
    assert code == 0, output
    moved = TextModel.load(tmp_path / "a")
    assert moved.threshold_for("ur") == 0.5, "Urdu, with no line of its own, is judged at its script's"
    changes = {c["line"]: (c["from"], c["to"]) for c in moved.metrics["lines_set"][-1]["changes"]}  # type: ignore[index]
    assert changes == {"fa": (0.8, 0.5), "*Arab": (0.8, 0.5)}
    assert "*Arab: 0.8 -> 0.5" in output


@pytest.mark.parametrize(
    ("sets", "message"),
    [(["en=0.3"], "nothing would move"), (["fa=0.9", "fa=0.95"], "names fa twice")],
)
def test_a_move_that_moves_nothing_or_twice_is_refused(
    english_reference: Path, tmp_path: Path, sets: list[str], message: str
) -> None:
    code, output = _set(english_reference, tmp_path / "out", *sets)
    assert code != 0 and message in output


def test_the_costs_are_shown_per_language(model_copy: Path) -> None:
    corpus = _corpus(negatives=1_000, tvec=100)
    scores = np.concatenate([np.linspace(0, 0.6, 1_000), np.linspace(0.3, 1, 100)])
    meta = json.loads((model_copy / "model.json").read_text())
    meta["metrics"]["line_costs"] = line_costs(scores, corpus, {"*": 0.5, "en": 0.5}, None)
    (model_copy / "model.json").write_text(json.dumps(meta))
    result = runner.invoke(app, ["model", "lines", str(model_copy)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    judged_at = TextModel.load(model_copy).threshold_for("en")
    assert f"en: judged at {judged_at:.4f}; 100 judged TVEC, 1000 negatives" in result.output
    assert "0.5000 (drawn in training)" in result.output


def test_a_model_trained_before_the_costs_says_so(model_copy: Path) -> None:
    meta = json.loads((model_copy / "model.json").read_text())
    meta["metrics"].pop("line_costs", None)
    (model_copy / "model.json").write_text(json.dumps(meta))
    result = runner.invoke(app, ["model", "lines", str(model_copy)])
    assert result.exit_code == 0, result.output
    assert "recorded no line costs" in result.output


def test_a_language_the_deep_tier_judges_alone_has_its_line_set_on_the_route(model_copy: Path, tmp_path: Path) -> None:
    before = TextModel.load(model_copy)
    assert before.deep_only("fr")
    out = tmp_path / "french"
    args = ["model", "lines", str(model_copy), "--set", "fr=0.95", "--reason", "r", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    moved = TextModel.load(out)
    assert moved.line_of("fr") == "route:fr" and moved.threshold_for("fr") == 0.95
    assert moved.threshold_for("it") == before.threshold_for("it"), "the other route languages keep theirs"


def _labelled(path: Path, negatives: int, tvec: int) -> Path:
    rows = [
        {"text": f"the fictional harbour market opens at {i} o'clock", "label": "benign", "lang": "en"}
        for i in range(negatives)
    ]
    rows += [{"text": f"join the crimson dawn brigade today brothers, cell {i}", "label": "tvec"} for i in range(tvec)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_the_costs_can_be_measured_on_labelled_rows_the_model_never_saw(model_copy: Path, tmp_path: Path) -> None:
    data = _labelled(tmp_path / "decisions.jsonl", negatives=240, tvec=30)
    result = runner.invoke(app, ["model", "lines", str(model_copy), "--data", str(data)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "30 judged TVEC, 240 negatives" in result.output, "a row naming no language is read in the identified one"
    assert "(judged at now)" in result.output


def test_too_few_labelled_rows_to_measure_a_rate_are_said_to_be_too_few(model_copy: Path, tmp_path: Path) -> None:
    data = _labelled(tmp_path / "few.jsonl", negatives=20, tvec=5)
    result = runner.invoke(app, ["model", "lines", str(model_copy), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "200 person-labelled non-TVEC rows" in result.output


def test_labelled_rows_that_cannot_be_read_are_refused_by_name(model_copy: Path, tmp_path: Path) -> None:
    data = tmp_path / "broken.jsonl"
    data.write_text('{"text": "a fictional post", "label": "benign"}\n{not json\n', encoding="utf-8")
    result = runner.invoke(app, ["model", "lines", str(model_copy), "--data", str(data)])
    assert result.exit_code != 0
    assert "broken.jsonl" in result.output and "Traceback" not in result.output


def test_labelled_rows_without_tvec_are_refused_with_what_they_lack(model_copy: Path, tmp_path: Path) -> None:
    data = _labelled(tmp_path / "no-tvec.jsonl", negatives=240, tvec=0)
    result = runner.invoke(app, ["model", "lines", str(model_copy), "--data", str(data)])
    assert result.exit_code != 0
    assert "needs rows a person judged TVEC" in result.output
