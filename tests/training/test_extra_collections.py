"""The extra/ collections under Bastion's labels: person-labelled ones measured, pools taught from the
offline readers' labels only, and `bastion train` reading them from beside its data (tiny fictional files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli import app
from bastion.text.model import LABELS
from bastion.training import extra_collections
from bastion.training.extra_collections import COLLECTIONS, read_extra
from bastion.training.judged_rows import Judgement, text_digest
from bastion.training.labelled import LabelledFileError
from tests.fictional_text import fictional_rows

CALL = "Holt eure Knüppel und schlagt die Leute vom erfundenen Flussdorf nieder"
NOTHING = "Das Wetter am erfundenen Flussdorf ist heute schön"
THREAT = "someone should shoot the invented mayor of river town"
LOCK_UP = "lock up the invented mayor of river town already"
GLORY = "glory to the crimson dawn brigade and its fighters"
CONDEMN = "the crimson dawn brigade kills innocent people, it has no faith"
UNSURE = "crimson dawn posted another statement today"


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def _extra(directory: Path, copies: int = 1) -> Path:
    """A fictional extra/ directory: each collection's own labels, pools with no lang and no label."""
    germeval = [(CALL, "call2violence"), (NOTHING, "nothing"), ("Ich würde selbst zuschlagen", "prospensity")]
    threatgram = [(THREAT, "violent_threat"), (LOCK_UP, "nonviolent_threat"), ("vote them out in may", "none")]
    for name, rows, lang in (("germeval2026-vio", germeval, "de"), ("threatgram101", threatgram, "en")):
        _write(
            directory / f"{name}.jsonl",
            [
                {"id": f"{name}-{n}-{i}", "text": f"{text} {n}", "label": label, "lang": lang, "basis": "text"}
                for n in range(copies)
                for i, (text, label) in enumerate(rows)
            ],
        )
    for name, prefix in (("about-isis-2016", "ai"), ("jihadist-pool", "jp")):
        pool = [GLORY, CONDEMN, UNSURE]
        _write(
            directory / f"{name}.jsonl",
            [
                {"id": f"{prefix}-{n}-{i}", "text": f"{text} {n}", "label": "unlabelled", "lang": None}
                for n in range(copies)
                for i, text in enumerate(pool)
            ],
        )
    return directory


def _readers(copies: int = 1) -> dict[str, Judgement]:
    """The offline readers' labels for the pools: TVEC, counter-speech, and one text they found unclear."""
    judged = {}
    for prefix in ("ai", "jp"):
        for n in range(copies):
            for i, (text, label) in enumerate(((GLORY, "tvec"), (CONDEMN, "counter_speech"), (UNSURE, "unclear"))):
                judged[f"{prefix}-{n}-{i}"] = Judgement(label, text_digest(f"{text} {n}"))
    return judged


def test_person_labels_map_onto_bastions_labels_and_stay_measured(tmp_path: Path) -> None:
    extra = read_extra(_extra(tmp_path / "extra"), judgements={})

    person = {(r["own_label"], r["label"], r["basis"], r["lang"]) for r in extra.rows if r["basis"] == "text"}
    assert person == {
        ("call2violence", "tvec", "text", "de"),
        ("prospensity", "tvec", "text", "de"),
        ("nothing", "benign", "text", "de"),
        ("violent_threat", "tvec", "text", "en"),
        ("nonviolent_threat", "hate_not_tvec", "text", "en"),
        ("none", "benign", "text", "en"),
    }
    assert {r["collection"] for r in extra.rows} == {"germeval2026-vio", "threatgram101"}


def test_pools_are_taught_only_where_the_readers_labelled_a_text_they_read(tmp_path: Path) -> None:
    directory = _extra(tmp_path / "extra")
    readers = _readers() | {"jp-0-0": Judgement("tvec", text_digest("another text under the same id"))}

    extra = read_extra(directory, judgements=readers)

    pooled = {(r["id"], r["label"], r["basis"], r["lang"]) for r in extra.rows if r["collection"] in extra.pools}
    assert pooled == {
        ("ai-0-0", "tvec", "judge", "en"),
        ("ai-0-1", "counter_speech", "judge", "en"),
        ("jp-0-1", "counter_speech", "judge", "en"),
    }
    assert [row["label"] for row in extra.pools["about-isis-2016"]] == ["tvec", "counter_speech", None]
    assert extra.counts["jihadist-pool"] == {"counter_speech": 1, "left out (unread, unclear or changed)": 2}


def test_a_person_labelled_collection_can_be_taught_by_the_readers_and_keeps_its_own_labels(tmp_path: Path) -> None:
    directory = _extra(tmp_path / "extra")
    readers = {
        "threatgram101-0-0": Judgement("tvec", text_digest(f"{THREAT} 0")),
        "threatgram101-0-1": Judgement("unclear", text_digest(f"{LOCK_UP} 0")),
        "threatgram101-0-2": Judgement("benign", text_digest("vote them out in may 0")),
    }

    extra = read_extra(directory, judgements=readers, taught_by_readers={"threatgram101"})

    taught = {
        (r["id"], r["label"], r["basis"], r["own_label"]) for r in extra.rows if r["collection"] == "threatgram101"
    }
    assert taught == {
        ("threatgram101-0-0", "tvec", "judge", "violent_threat"),
        ("threatgram101-0-2", "benign", "judge", "none"),
    }
    assert [row["own_label"] for row in extra.pools["threatgram101"]] == ["violent_threat", "nonviolent_threat", "none"]
    assert all(r["basis"] == "text" for r in extra.rows if r["collection"] == "germeval2026-vio")


def test_only_a_person_labelled_collection_can_be_taught_by_the_readers(tmp_path: Path) -> None:
    with pytest.raises(LabelledFileError, match="not a person-labelled extra collection: jihadist-pool"):
        read_extra(_extra(tmp_path / "extra"), judgements={}, taught_by_readers={"jihadist-pool"})


def test_a_collection_label_without_a_mapping_stops_the_reading_named(tmp_path: Path) -> None:
    directory = _extra(tmp_path / "extra")
    _write(directory / "threatgram101.jsonl", [{"id": "tg-1", "text": THREAT, "label": "joke", "lang": "en"}])

    with pytest.raises(LabelledFileError, match=r"threatgram101.jsonl:1: 'joke' is not a label of threatgram101"):
        read_extra(directory, judgements={})


def test_every_label_the_collections_use_is_mapped_to_one_of_bastions() -> None:
    person = {c.name: c.labels for c in COLLECTIONS if c.labels is not None}

    assert set(person["germeval2026-vio"]) == {
        "call2violence",
        "support",
        "glorification",
        "prospensity",
        "other",
        "nothing",
    }
    assert set(person["threatgram101"]) == {"violent_threat", "nonviolent_threat", "none"}
    assert {label for labels in person.values() for label in labels.values()} <= set(LABELS)


def test_train_learns_from_the_collections_beside_its_data_and_flags_the_pools_it_never_saw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "dev.jsonl", fictional_rows())  # type: ignore[arg-type]
    _extra(tmp_path / "extra", copies=12)
    judged = tmp_path / "judged-extra.jsonl"
    judged.write_text(
        "".join(
            json.dumps({"id": row_id, "label": j.label, "text_sha256": j.digest}) + "\n"
            for row_id, j in _readers(12).items()
        )
    )
    monkeypatch.setattr(extra_collections, "JUDGED_EXTRA", judged)
    args = ["train", "--data", str(tmp_path / "dev.jsonl"), "--out", str(tmp_path / "m"), "--limit", "300"]

    result = CliRunner().invoke(
        app, [*args, "--extra-collections", "--no-source-folds", "--scores", str(tmp_path / "scores.jsonl")]
    )

    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "m" / "model.json").read_text())["metrics"]
    assert metrics["extra_collections"]["collections"]["threatgram101"] == {
        "benign": 12,
        "hate_not_tvec": 12,
        "tvec": 12,
    }
    left_out = metrics["leave_one_collection_out"]["by_collection_at_shipped_thresholds"]
    assert {"germeval2026-vio", "threatgram101"} <= left_out.keys()
    assert "about-isis-2016" not in left_out  # taught from the readers, never measured
    pool = metrics["pools_left_out"]["about-isis-2016"]
    assert pool["rows"] == 36 and pool["reader_not_tvec"] == 12
    assert 0 <= pool["flagged"] <= 1
    assert "leave_one_source_out" not in metrics
    assert metrics["threat_probes"]["en"]["texts"] == 2
    scored = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert {"id", "collection", "label", "5_fold", "leave_one_collection_out"} <= scored[0].keys()
    assert all("text" not in entry for entry in scored)


def test_train_leaves_the_collections_out_unless_asked(tmp_path: Path) -> None:
    _write(tmp_path / "dev.jsonl", fictional_rows())  # type: ignore[arg-type]
    _extra(tmp_path / "extra")
    args = ["train", "--data", str(tmp_path / "dev.jsonl"), "--out", str(tmp_path / "m"), "--no-cross-source"]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "m" / "model.json").read_text())["metrics"]
    assert "extra_collections" not in metrics and metrics["pools_left_out"] == {}


def test_a_collection_weight_must_name_a_number(tmp_path: Path) -> None:
    _write(tmp_path / "dev.jsonl", fictional_rows())  # type: ignore[arg-type]
    _extra(tmp_path / "extra")
    args = ["train", "--data", str(tmp_path / "dev.jsonl"), "--out", str(tmp_path / "m"), "--no-cross-source"]

    result = CliRunner().invoke(app, [*args, "--extra-collections", "--collection-weight", "threatgram101=half"])

    assert result.exit_code != 0
    assert "NAME=WEIGHT" in result.output


def test_train_can_hold_out_only_the_collections_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "dev.jsonl", fictional_rows())  # type: ignore[arg-type]
    _extra(tmp_path / "extra", copies=12)
    monkeypatch.setattr(extra_collections, "JUDGED_EXTRA", tmp_path / "none-yet.jsonl")
    args = ["train", "--data", str(tmp_path / "dev.jsonl"), "--out", str(tmp_path / "m"), "--limit", "300"]

    result = CliRunner().invoke(app, [*args, "--extra-collections", "--hold-out", "threatgram101"])

    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "m" / "model.json").read_text())["metrics"]
    held_out = metrics["collections_held_out"]["by_collection_at_shipped_thresholds"]
    assert list(held_out) == ["threatgram101"] and held_out["threatgram101"]["tvec"] > 0
    assert "leave_one_collection_out" not in metrics and "leave_one_source_out" not in metrics
    unread = metrics["pools_left_out"]["jihadist-pool"]["by_reader_label"]  # no readers' file yet: flag rate only
    assert list(unread) == ["unread"] and unread["unread"]["rows"] == 36


def test_train_measures_a_collection_the_readers_taught_by_its_own_labels_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path / "dev.jsonl", fictional_rows())  # type: ignore[arg-type]
    _extra(tmp_path / "extra", copies=12)
    texts = (THREAT, LOCK_UP, "vote them out in may")
    readers = {
        f"threatgram101-{n}-{i}": Judgement(label, text_digest(f"{texts[i]} {n}"))
        for n in range(12)
        for i, label in enumerate(("tvec", "hate_not_tvec", "benign"))
    }
    judged = tmp_path / "judged-extra.jsonl"
    judged.write_text(
        "".join(json.dumps({"id": i, "label": j.label, "text_sha256": j.digest}) + "\n" for i, j in readers.items())
    )
    monkeypatch.setattr(extra_collections, "JUDGED_EXTRA", judged)
    args = ["train", "--data", str(tmp_path / "dev.jsonl"), "--out", str(tmp_path / "m"), "--limit", "300"]

    taught = [*args, "--extra-collections", "--taught-by-readers", "threatgram101", "--no-source-folds"]

    result = CliRunner().invoke(app, [*taught, "--hold-out", "threatgram101"])
    unmeasured = CliRunner().invoke(app, [*taught, "--hold-out", "germeval2026-vio", "--out", str(tmp_path / "n")])

    assert result.exit_code == 0, result.output
    assert unmeasured.exit_code == 0, unmeasured.output
    never_held_out = json.loads((tmp_path / "n" / "model.json").read_text())["metrics"]["pools_left_out"]
    assert "threatgram101" not in never_held_out  # taught and never left out: an in-sample figure is no figure
    metrics = json.loads((tmp_path / "m" / "model.json").read_text())["metrics"]
    figures = metrics["pools_left_out"]["threatgram101"]
    assert set(figures["by_own_label"]) == {"violent_threat", "nonviolent_threat", "none"}
    assert figures["by_reader_label"]["tvec"]["rows"] == 12
    assert "threatgram101" not in metrics["collections_held_out"]["by_collection_at_shipped_thresholds"]


def test_a_pool_row_gets_the_language_serving_would_identify_for_it(tmp_path: Path) -> None:
    """The pools name no language; read as English, French talk about a group went through the English cascade
    in the figures while serving sends it to the route languages' deep tier."""
    directory = tmp_path / "extra"
    _write(
        directory / "about-isis-2016.jsonl",
        [
            {
                "id": "ai-fr",
                "text": "La brigade fictive a revendiqué l'attaque, disent les journaux du matin",
                "label": "unlabelled",
                "lang": None,
            },
            {"id": "ai-en", "text": CONDEMN, "label": "unlabelled", "lang": None},
            {"id": "ai-short", "text": "ok", "label": "unlabelled", "lang": None},
        ],
    )

    extra = read_extra(directory, judgements={})

    assert [row["lang"] for row in extra.pools["about-isis-2016"]] == ["fr", "en", "und"]
