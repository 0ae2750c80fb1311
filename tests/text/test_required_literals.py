"""A pattern is skipped only on texts it could not match: the required strings are never wrong."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.text.required_literals import Required, RequiredScan, fold, required_literals

_PATTERNS = [
    r"(?<!\w)crimson\s+dawn\s+brigade(?!\w)",
    r"(?<!\w)(?:zabijcie|zastrzelcie)\s+(?:ich\s+)?(?:wszystkich|ludzi)",
    r"(?:^|[.!?;:,]|\band|\bshould)\s+(?:kill|shoot|slaughter)",
    r"(?:ab|c)def+",
    r"kalabalığa\s+ateş",
    r"(?:stra(?:ss|ß)e|weg)\s+frei",
    r"(?>atomic)|x{2,}yz",
]
# Letters re.IGNORECASE treats as equal to others: dotted/dotless i, long s, Kelvin sign, micro sign, sharp s.
_ALPHABET = st.sampled_from([*"abcdefiklmnorstwyzğş ığİIıſKµμßẞ.!", "kill", "crimson", "dawn", "brigade"])


@pytest.mark.parametrize(
    ("pattern", "required"),
    [
        (r"(?<!\w)crimson\s+dawn\s+brigade(?!\w)", {"crimson"}),
        (r"(?:^|[.!?;:,]|\band)\s+(?:kill|shoot)", {"kill", "shoot"}),
        (r"(?<!\w)(?:zabijcie|zastrzelcie)\s+ludzi", {"bijcie", "strzelcie"}),  # the parser factors out "za"
        (r"(a)\1b", None),
        (r"x+", None),
        (r"(?:ab|c)", None),  # "c" alone would skip nothing
        (r"(?:ab|", None),
    ],
)
def test_the_strongest_requirement_of_a_pattern(pattern: str, required: set[str] | None) -> None:
    found = required_literals(pattern, re.IGNORECASE)
    assert (None if found is None else set(found)) == required


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_PATTERNS), st.lists(_ALPHABET, max_size=30).map("".join), st.booleans())
def test_a_pattern_that_matches_a_text_is_never_skipped(pattern: str, text: str, ignore_case: bool) -> None:
    flags = re.IGNORECASE if ignore_case else 0
    if re.search(pattern, text, flags):
        assert RequiredScan([required_literals(pattern, flags)]).candidates(fold(text)) == [0]


@pytest.mark.parametrize(("upper", "lower"), [("İSTANBUL", "istanbul"), ("ſhoot", "shoot"), ("\u212aill", "kill")])
def test_letters_ignorecase_treats_as_equal_fold_alike(upper: str, lower: str) -> None:
    assert re.fullmatch(lower, upper, re.IGNORECASE)
    assert fold(upper) == fold(lower)


# Few letters, so required strings overlap and nest; letters IGNORECASE equates (sigmas, Kelvin sign) and one
# outside the Basic Multilingual Plane.
_LETTERS = "abΣσςk\u212aж𝔸"
_REQUIREMENT = st.none() | st.frozensets(st.text(alphabet=_LETTERS, min_size=1, max_size=4), min_size=1, max_size=3)


@settings(max_examples=400, deadline=None)
@given(st.lists(_REQUIREMENT, max_size=6), st.text(alphabet=_LETTERS + " ", max_size=20))
def test_one_scan_finds_the_patterns_a_substring_test_per_string_finds(requirements: list[Required], text: str) -> None:
    folded_requirements = [None if r is None else frozenset(fold(s) for s in r) for r in requirements]
    folded = fold(text)
    expected = [i for i, r in enumerate(folded_requirements) if r is None or any(s in folded for s in r)]
    assert RequiredScan(folded_requirements).candidates(folded) == expected
