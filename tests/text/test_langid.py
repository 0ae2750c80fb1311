"""Language identification gives py3langid's own answer, bit for bit, for less: the same model and arithmetic,
the byte walk compiled and the class table in float32."""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from bastion.text.langid import UNDETERMINED, classify, identify_language

_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "dev.jsonl"


@cache
def _reference() -> LanguageIdentifier:
    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_py3langids_language_and_confidence(text: str) -> None:
    assert classify(text) == _reference().classify(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "LOUD WORDS ARE READ AS QUIET ONES",
        "Ünïcödé and 日本語 and العربية together",
        "\ud800 a lone surrogate, passed through as py3langid does",
        "the same words the same words " * 500,
    ],
)
def test_edge_texts_match_py3langid(text: str) -> None:
    assert classify(text) == _reference().classify(text)


@pytest.mark.skipif(not _DEV.exists(), reason="../shared/data is not beside the checkout")
def test_real_posts_in_many_languages_match_py3langid() -> None:
    rows = [json.loads(line) for line in _DEV.read_text(encoding="utf-8").splitlines()]
    texts = [row["text"] for row in random.Random(7).sample(rows, 3000)]
    assert [classify(text) for text in texts] == [_reference().classify(text) for text in texts]


def test_a_language_is_named_only_when_the_text_says_enough() -> None:
    assert identify_language("The council meets on Tuesday to discuss the new library") == "en"
    assert identify_language("Le marché du port ouvre mardi matin avec du pain frais") == "fr"
    assert identify_language("ok 👍") == UNDETERMINED
