"""The normaliser: folds evasions, is idempotent and total, and maps back to the original."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bastion.text.normalise import normalise, normalise_mapped, normalise_text

# Any text at all, including surrogates' neighbours, controls, combining marks and RTL scripts.
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
# Text made of the characters the tricks use, so hypothesis meets them often.
tricky_text = st.text(
    alphabet=st.sampled_from(
        [*"aeiosnt 013457@$!.-_ ", "\u200b", "\u202e", "\u0640", "\u064e", "о", "е", "İ", "ß", "ﬁ"]
    ),
    max_size=80,
)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("C r i m s o n", "crimson"),
        ("c.r.i.m.s.o.n dawn", "crimson dawn"),
        ("CRIMSON\u200bDAWN", "crimsondawn"),
        ("сrimsоn", "crimson"),  # Cyrillic с and о inside a Latin word
        ("cr1ms0n d4wn", "crimson dawn"),
        ("crimsooooon", "crimson"),
        ("ｃｒｉｍｓｏｎ", "crimson"),  # full-width
        ("\u202ecrimson\u202c", "crimson"),  # bidi override
        ("فجـــر", "فجر"),  # tatweel
        ("فَجْرٌ", "فجر"),  # harakat
        ("A.À_Е", "aàe"),  # joined letters then folded (Cyrillic Е)
        ("ccc c c", "c"),  # a collapsed run that makes a new spaced run
    ],
)
def test_folds_the_tricks(written: str, read: str) -> None:
    assert normalise_text(written) == read


@pytest.mark.parametrize("text", ["Москва сегодня", "Καλημέρα κόσμε", "2024 год 1945", "In 2015, 3 people"])
def test_leaves_other_scripts_and_plain_numbers_alone(text: str) -> None:
    assert normalise_text(text) == text.casefold()


@given(any_text)
def test_never_raises_and_maps_every_character_back(text: str) -> None:
    result = normalise(text)
    assert len(result.source) == len(result.text)  # the map is built on demand, from the character path
    assert all(0 <= index < len(text) for index in result.source)
    assert list(result.source) == sorted(result.source)


@given(st.one_of(any_text, tricky_text))
@example("A 0_A")  # the leet fold keeps the length and makes letters to join: one pass stopped short of them
@settings(max_examples=300)
def test_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once


@given(st.one_of(any_text, tricky_text))
@example("A 0_A")
@settings(max_examples=500)
def test_the_string_path_reads_exactly_what_the_mapped_path_reads(text: str) -> None:
    # Detectors read `normalise_text`, evidence spans map back through `normalise_mapped`: never apart.
    assert normalise_text(text) == normalise_mapped(text)[0]


@given(any_text, st.integers(0, 400), st.integers(0, 400))
def test_original_span_stays_inside_the_original(text: str, start: int, end: int) -> None:
    result = normalise(text)
    first, last = result.original_span(min(start, len(result.text)), min(end, len(result.text)))
    assert 0 <= first <= last <= len(text)


def test_long_adversarial_input_is_linear() -> None:
    # Patterns that make backtracking regexes explode; the normaliser must just walk them.
    text = ("a " * 50_000) + ("a-" * 20_000) + ("\u200b" * 20_000)
    assert normalise_text(text).startswith("a")
