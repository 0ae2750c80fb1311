from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.context import AppContext
from bastion.core import Category
from bastion.detectors.base import Detector
from bastion.detectors.termlist import TermList, TermListDetector, TermListError, load_term_lists
from bastion.settings import Settings
from tests.detectors.contract import DetectorContract, content_of


class TestTermListContract(DetectorContract):
    flagged_text = "Please JOIN the Crimson Dawn Brigade now"

    def detector(self) -> Detector:
        return TermListDetector.from_context(AppContext.read_only(Settings()))


def _detector(**overrides: object) -> TermListDetector:
    spec = {"name": "t", "terms": [{"phrase": "march on varnholm", "category": "incitement", "weight": 0.9}]}
    return TermListDetector([TermList.model_validate({**spec, **overrides})])


@pytest.mark.parametrize(
    "text",
    [
        "March on Varnholm!",
        "m a r c h on varnholm",
        "mаrch оn vаrnholm",
        "m4rch on v4rnholm",
        "marrrch on varnholm",
        "march\u200b on varn\u00adholm",
    ],
)
def test_evasions_still_match(text: str) -> None:
    signals = _detector().detect(content_of(text))
    assert [s.category for s in signals] == [Category.INCITEMENT]


def test_a_word_inside_another_word_does_not_match() -> None:
    assert _detector().detect(content_of("remarch on varnholmsville")) == []


def test_weak_terms_combine_past_the_threshold() -> None:
    spec = {
        "name": "w",
        "threshold": 0.5,
        "terms": [
            {"phrase": "alpha", "category": "propaganda", "weight": 0.3},
            {"phrase": "beta", "category": "propaganda", "weight": 0.3},
        ],
    }
    detector = TermListDetector([TermList.model_validate(spec)])
    assert detector.detect(content_of("alpha only")) == []
    [signal] = detector.detect(content_of("alpha and beta"))
    assert signal.score == pytest.approx(0.51)
    assert len(signal.evidence["spans"]) == 2


def test_lists_apply_only_to_their_languages() -> None:
    detector = _detector(langs=["fr"])
    assert detector.detect(content_of("march on varnholm", lang="en")) == []
    assert detector.detect(content_of("march on varnholm", lang="fr"))


def test_a_broken_list_file_names_itself(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: x\nterms:\n  - phrase: a\n    category: nonsense\n    weight: 2\n")
    with pytest.raises(TermListError, match=r"bad\.yaml"):
        load_term_lists(tmp_path)


def test_the_version_changes_with_the_lists() -> None:
    assert _detector().version != _detector(version=2).version


_WORDS = [
    "join",
    "the",
    "brigade",
    "brigades",
    "harbour",
    "festival",
    "bread",
    "rejoin",
    "İstanbul",
    "ſhoot",
    " ",
    "\n",
]
_MIXED = TermList.model_validate(
    {
        "name": "mixed",
        "threshold": 0.0,
        "terms": [
            {"phrase": "join the brigade", "category": "recruitment", "weight": 0.4},
            {"phrase": "the brigade", "category": "glorification", "weight": 0.3},
            {"regex": r"(bri)(gade)s?|rejoin", "category": "propaganda", "weight": 0.2},
            {"regex": r"(?<!\w)(?:harbour|istanbul)\s+(?:festival|bread)", "category": "threat", "weight": 0.5},
            {"regex": r"(?-i:SHOOT)|shoot", "category": "incitement", "weight": 0.5},
        ],
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join))
def test_skipping_terms_whose_words_are_absent_never_loses_a_hit(text: str) -> None:
    lists = [_MIXED, *load_term_lists(Settings().term_lists_dir)]
    every_term = TermListDetector(lists)
    for compiled in every_term._lists:
        for term in compiled.terms:
            object.__setattr__(term, "required", None)

    assert TermListDetector(lists).detect(content_of(text)) == every_term.detect(content_of(text))
