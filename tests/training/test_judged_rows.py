"""The offline judge's labels for account-labelled rows: what they replace, and what they never touch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bastion.cli import app
from bastion.text.model import LABELS
from bastion.training import judged_rows
from bastion.training.corpus import read_corpus
from bastion.training.figures import metrics
from bastion.training.judged_rows import JUDGED_ROWS, Judgement, load_judgements, text_digest, with_judgements
from bastion.training.labelled import LabelledFileError

RELAY = "RT @user: a fictional relay of the river town weather report URL"


def _weak(row_id: str, text: str) -> dict[str, object]:
    return {"id": row_id, "text": text, "label": "tvec", "basis": "account", "source": "fiction-relays", "lang": "en"}


def test_a_judgement_replaces_an_account_label_only_for_the_text_it_read() -> None:
    rows = [_weak("r-1", RELAY), _weak("r-2", "a text the judge never saw"), _weak("r-3", "too short")]
    judgements = {
        "r-1": Judgement("news", text_digest(RELAY)),
        "r-2": Judgement("news", text_digest("another text under the same id")),
        "r-3": Judgement("unclear", text_digest("too short")),
    }

    out = with_judgements(rows, judgements)

    assert [(r["id"], r["label"], r["basis"]) for r in out] == [("r-1", "news", "judge"), ("r-2", "tvec", "account")]


def test_a_persons_label_is_never_replaced() -> None:
    row = _weak("p-1", RELAY) | {"basis": "text", "label": "benign"}

    assert with_judgements([row], {"p-1": Judgement("tvec", text_digest(RELAY))}) == [row]


def test_judged_rows_teach_but_are_never_measured(fictional_data: Path, tmp_path: Path) -> None:
    weak_file = tmp_path / "weak.jsonl"
    weak_file.write_text(json.dumps(_weak("r-1", RELAY)) + "\n" + json.dumps(_weak("r-2", "glory fiction")) + "\n")
    judgements = {"r-1": Judgement("news", text_digest(RELAY)), "r-2": Judgement("tvec", text_digest("glory fiction"))}

    corpus = read_corpus([fictional_data, weak_file], judgements=judgements)

    judged = np.array([i.startswith("r-") for i in corpus.ids])
    assert corpus.strong[judged].all() and not corpus.measured[judged].any()
    assert not (corpus.negatives & judged).any() and not (corpus.judged_tvec & judged).any()
    only_judged_flagged = metrics(judged, corpus, {"*": 0.5})
    assert only_judged_flagged["fpr_all_non_tvec"] == 0.0
    assert set(only_judged_flagged["fpr_by_label"].values()) <= {0.0, None}  # type: ignore[attr-defined]
    assert "fiction-relays" not in only_judged_flagged["fpr_by_source"]  # type: ignore[operator]


def test_judged_rows_are_learnt_without_their_words_of_worship(fictional_data: Path, tmp_path: Path) -> None:
    praise = "Allahu akbar, glory to the fictional crimson brigade"
    prayer = "Allahu akbar, a fictional prayer of thanks"
    weak_file = tmp_path / "weak.jsonl"
    weak_file.write_text(json.dumps(_weak("r-1", praise)) + "\n")
    person_file = tmp_path / "person.jsonl"
    person_file.write_text(json.dumps(_weak("p-1", prayer) | {"basis": "text", "label": "religious"}) + "\n")

    corpus = read_corpus(
        [fictional_data, weak_file, person_file], judgements={"r-1": Judgement("tvec", text_digest(praise))}
    )

    by_id = dict(zip(corpus.ids, corpus.texts, strict=True))
    assert by_id["r-1"] == ", glory to the fictional crimson brigade"
    assert by_id["p-1"].startswith("allahu akbar")  # a person's row keeps its words, and gets swapped copies


def test_train_reads_the_judgements_when_asked(
    fictional_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weak_file = tmp_path / "weak.jsonl"
    weak_file.write_text(json.dumps(_weak("r-1", RELAY)) + "\n")
    judged_file = tmp_path / "judged-rows.jsonl"
    judged_file.write_text(json.dumps({"id": "r-1", "label": "news", "text_sha256": text_digest(RELAY)}) + "\n")
    monkeypatch.setattr(judged_rows, "JUDGED_ROWS", judged_file)
    args = ["train", "--data", str(fictional_data), "--also", str(weak_file), "--no-cross-source"]

    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "m"), "--judged-rows"])

    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["metrics"]["offline_judged_rows"] == {"news": 1}


@pytest.mark.parametrize("line", [json.dumps({"id": "r-1", "label": "news"}), '{"id": "r-1", "lab', "[1, 2]"])
def test_an_entry_without_its_digest_is_refused(tmp_path: Path, line: str) -> None:
    path = tmp_path / "judged-rows.jsonl"
    path.write_text(json.dumps({"id": "r-0", "label": "news", "text_sha256": "0" * 16}) + "\n" + line + "\n")

    with pytest.raises(LabelledFileError, match=r"judged-rows.jsonl:2: .*text_sha256"):
        load_judgements(path)


@pytest.mark.skipif(not JUDGED_ROWS.exists(), reason="no judgements packaged")
def test_the_packaged_judgements_name_rows_and_labels_never_texts() -> None:
    lines = JUDGED_ROWS.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]

    assert all(set(entry) == {"id", "label", "text_sha256"} for entry in entries)
    assert {entry["label"] for entry in entries} <= set(LABELS) | {"unclear"}
    assert len({entry["id"] for entry in entries}) == len(entries)
