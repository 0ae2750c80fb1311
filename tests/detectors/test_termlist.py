from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bastion.context import AppContext
from bastion.core import Category, Item, Signal
from bastion.detectors.base import Content, Detector, TextField
from bastion.detectors.termlist import TermList, TermListDetector, TermListError, _add_hits, load_term_lists
from bastion.settings import Settings
from bastion.text.normalise import normalise
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


# Required strings nested in one another ("rigad" in "brigade"), overlapping ("adebri" across two "brigade"s),
# in Cyrillic and Greek (three sigmas fold alike), and a pattern requiring nothing.
_NESTED = TermList.model_validate(
    {
        "name": "nested",
        "langs": ["en"],
        "threshold": 0.0,
        "terms": [
            {"phrase": "brigade", "category": "propaganda", "weight": 0.2},
            {"regex": r"rigad\w*", "category": "recruitment", "weight": 0.3},
            {"regex": r"adebri|gade\s+rej", "category": "glorification", "weight": 0.4},
            {"phrase": "жар птица", "category": "threat", "weight": 0.5},
            {"regex": r"ΣΟΦ(?:ία|ια)s?", "category": "incitement", "weight": 0.6},
            {"regex": r"x\d{3}", "category": "threat", "weight": 0.7},
        ],
    }
)
_LISTS = [_MIXED, _NESTED, *load_term_lists(Settings().term_lists_dir)]
_PREFILTERED = TermListDetector(_LISTS)
_REQUIRED = sorted({s for c in _PREFILTERED._lists for t in c.terms for s in t.required or ()})


def _mixed_case(text: str) -> st.SearchStrategy[str]:
    flips = st.lists(st.booleans(), min_size=len(text), max_size=len(text))
    return flips.map(lambda upper: "".join(c.upper() if u else c for c, u in zip(text, upper, strict=True)))


def _prefix_or_suffix(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text[:k] for k in range(1, len(text))] + [text[k:] for k in range(1, len(text))])


# Pieces joined with no space between them overlap: a suffix of one required string and a prefix of another.
_PIECE = st.one_of(
    st.sampled_from(_REQUIRED),
    st.sampled_from(_REQUIRED).flatmap(_prefix_or_suffix),
    st.sampled_from(_WORDS),
    st.text(alphabet="aeiourstxΣσςжİıſ\u212aß0123 -", max_size=4),
).flatmap(_mixed_case)
_TEXT = st.lists(st.tuples(_PIECE, st.sampled_from(["", "", " ", ". ", "\n"])), max_size=10).map(
    lambda parts: "".join(piece + separator for piece, separator in parts)
)


def _every_pattern_on_every_text(content: Content) -> list[Signal]:
    """What the detector would find with no prefilter: each pattern of each list that applies, on each text."""
    hits: dict[Category, list[tuple[float, dict[str, object], str]]] = {}
    for compiled in _PREFILTERED._lists:
        if compiled.source.applies_to_lang(content.lang):
            for field in content.texts:
                _add_hits(hits, compiled.source.name, field, compiled.terms)
    return _PREFILTERED._signals_of(hits)


def _two_fields(body: str, title: str, lang: str | None) -> Content:
    texts = tuple(TextField(name, text, normalise(text)) for name, text in (("text", body), ("title", title)))
    return Content(item=Item(id="t", text=body, lang=lang), texts=texts, lang=lang)


@settings(max_examples=400, deadline=None)
@given(_TEXT, _TEXT, st.sampled_from([None, "en", "fr"]))
@example("The brigadebrigade REJoin", "ЖАР ПТИЦА σοφίας x123", "en")
def test_one_scan_for_required_strings_finds_every_hit(body: str, title: str, lang: str | None) -> None:
    content = _two_fields(body, title, lang)
    assert _PREFILTERED.detect(content) == _every_pattern_on_every_text(content)


def test_a_required_string_inside_another_is_found() -> None:
    signals = _PREFILTERED.detect(content_of("the Brigade", lang="en"))
    assert {Category.PROPAGANDA, Category.RECRUITMENT} <= {s.category for s in signals}  # "rigad" in "brigade"
