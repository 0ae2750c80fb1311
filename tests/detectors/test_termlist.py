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


_OVERLAPPING = TermList.model_validate(
    {
        "name": "overlap",
        "threshold": 0.0,
        "terms": [
            {"phrase": "join the brigade", "category": "recruitment", "weight": 0.4},
            {"phrase": "the brigade", "category": "glorification", "weight": 0.3},
            {"regex": r"(bri)(gade)s?", "category": "propaganda", "weight": 0.2},
            {"regex": r"harbour\s+festival", "category": "threat", "weight": 0.5},
        ],
    }
)
_WORDS = ["join", "the", "brigade", "brigades", "harbour", "festival", "bread", "rejoin", " ", "  ", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join))
def test_one_search_for_any_term_finds_what_the_terms_find_one_by_one(text: str) -> None:
    """The shortcut (skip a list when no term matches anywhere) never loses an overlapping or nested hit."""
    joined = TermListDetector([_OVERLAPPING, *load_term_lists(Settings().term_lists_dir)])
    one_by_one = TermListDetector([_OVERLAPPING, *load_term_lists(Settings().term_lists_dir)])
    for compiled in one_by_one._lists:
        object.__setattr__(compiled, "any_term", None)

    assert all(compiled.any_term is not None for compiled in joined._lists)
    assert joined.detect(content_of(text)) == one_by_one.detect(content_of(text))


def test_a_list_whose_terms_cannot_be_joined_is_searched_term_by_term() -> None:
    backreference = TermList.model_validate(
        {"name": "b", "terms": [{"regex": r"(\w+) \1", "category": "threat", "weight": 0.9}]}
    )
    inline_flag = TermList.model_validate(
        {"name": "f", "terms": [{"regex": r"(?i)varnholm", "category": "incitement", "weight": 0.9}]}
    )
    detector = TermListDetector([backreference, inline_flag])

    assert [compiled.any_term for compiled in detector._lists] == [None, None]
    found = detector.detect(content_of("again again on VARNHOLM"))
    assert sorted(s.category for s in found) == sorted([Category.THREAT, Category.INCITEMENT])
