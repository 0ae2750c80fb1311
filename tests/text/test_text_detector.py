"""The text detector: judged TVEC exactly at its threshold, protected contexts named, evidence spans."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bastion.context import AppContext
from bastion.core import Category
from bastion.detectors.base import Content, TextField
from bastion.detectors.text_model import CategoryCues, TextModelDetector
from bastion.settings import Settings
from bastion.text.model import TextModel
from bastion.text.normalise import normalise
from tests.detectors.contract import DetectorContract, content_of


def _detector(model: TextModel) -> TextModelDetector:
    return TextModelDetector(model, CategoryCues.load(Settings().category_cues))


class TestContract(DetectorContract):
    flagged_text = "join the crimson dawn brigade today brothers"

    @pytest.fixture(autouse=True)
    def _model(self, fictional_model: TextModel) -> None:
        self.model = fictional_model

    def detector(self) -> TextModelDetector:
        return _detector(self.model)


def test_the_packaged_model_loads_offline_and_scores_any_text() -> None:
    detector = TextModelDetector.from_context(AppContext.read_only(Settings()))
    [signal] = detector.detect(content_of("A quiet afternoon by the lake with friends", lang="en"))
    assert signal.version == detector.model.version
    assert abs(sum(signal.evidence["probabilities"].values()) - 1) < 0.01
    assert signal.category.is_violating == (signal.score >= signal.evidence["threshold"])


def test_recruitment_is_flagged_with_its_category_and_the_words_behind_it(fictional_model: TextModel) -> None:
    text = "Brothers, J O I N the crimson dawn brigade today, at the old mill"
    [signal] = _detector(fictional_model).detect(content_of(text, lang="en"))
    assert signal.category is Category.RECRUITMENT
    assert signal.score >= signal.evidence["threshold"]
    spans = signal.evidence["spans"]
    assert spans, "a TVEC judgement must say which words drove it"
    for span in spans:
        assert text[span["start"] : span["end"]] == span["text"]
    assert signal.evidence["model_version"] == fictional_model.version


def test_news_about_the_group_is_recognised_as_news_not_tvec(fictional_model: TextModel) -> None:
    [signal] = _detector(fictional_model).detect(
        content_of("Police said the crimson dawn brigade claimed the attack on the ferry", lang="en")
    )
    assert signal.category is Category.NEWS
    assert signal.score < signal.evidence["threshold"]
    assert "spans" not in signal.evidence


def test_counter_speech_is_spared(fictional_model: TextModel) -> None:
    [signal] = _detector(fictional_model).detect(
        content_of("We stand together against the crimson dawn and its lies, violence is never the answer", lang="en")
    )
    assert not signal.category.is_violating


def test_the_most_tvec_like_text_of_an_item_speaks_for_it(fictional_model: TextModel) -> None:
    content = content_of("our football team won the match", lang="en")
    bio = "glory to the crimson martyrs, heroes forever"
    content = Content(item=content.item, texts=(*content.texts, TextField("bio", bio, normalise(bio))), lang="en")
    [signal] = _detector(fictional_model).detect(content)
    assert signal.evidence["field"] == "bio"
    assert signal.category is Category.GLORIFICATION


def test_batch_scoring_equals_one_by_one(fictional_model: TextModel) -> None:
    detector = _detector(fictional_model)
    contents = [content_of(t, lang="en") for t in ("join the crimson dawn", "lovely weather", "friday prayer")]
    assert detector.detect_many(contents) == [detector.detect(c) for c in contents]


def test_a_model_for_other_labels_is_refused(tmp_path: Path, fictional_model_dir: Path) -> None:
    shutil.copytree(fictional_model_dir, tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    meta["labels"] = ["tvec", "other"]
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="bastion train"):
        TextModel.load(tmp_path / "m")


def test_items_without_text_get_no_text_signal(fictional_model: TextModel) -> None:
    from bastion.core import Item

    image_only = Content(item=Item(id="i", kind="image", media={"base64": "AAAA"}), texts=())
    assert _detector(fictional_model).detect_many([image_only]) == [[]]
